// The signal server's hash service (--hash-origins) with an origin that publishes no sidecars, every viewer on one
// address (loopback: no quorum can form): the second viewer of a VoD plays almost all of it from the first, the
// origin sees each segment fetched once by the service, and a peer corrupting what it sends is banned without a
// wrong byte reaching any player.
import { expect, it } from 'vitest';
import { playlistUrl, swarmKey } from '../../sw/worker/segment-id';
import { useBrowserStack } from '../support/browser-stack';
import { expectCleanPlayback } from '../support/clean-playback';
import { announceEagerly, trackDataChannels } from '../support/eager-announcer';
import { faultCounters, injectUploadFault } from '../support/peer-faults';
import { playWhenConnected } from '../support/play-when-connected';
import { PLAY_TIMEOUT_MS, setRate, VIEWER_RATE } from '../support/player-swarm';
import { cachedSegments } from '../support/segment-cache';
import { readUploads, recordUploads } from '../support/upload-log';
import { type Probe, playedToEnd, segmentBytes, type Viewer, type ViewerOptions } from '../support/viewer';
import { waitUntil } from '../support/wait-until';

/** Everyone plays the 360p rendition (index 1): one swarm. */
const LEVEL = 1;
const RENDITION = '360p';
const SEGMENT_URL = /\.ts(\?|$)/;
const MIN_SECOND_VIEWER_SHARE = 0.9;
/** A viewer presses play this long after it is connected to the holders: their announcements are in by then. */
const PLAY_AFTER_CONNECTED_MS = 500;
/** The corrupter announces what it holds this often, to be the freshest holder when a viewer picks one. */
const EAGER_ANNOUNCE_MS = 25;
const LATER_VIEWERS = 2;

// Default trust settings otherwise: a quorum needs two addresses, which loopback never has.
const suite = useBrowserStack({
  origin: { publishHashes: false },
  signal: ['--hash-origins', 'http://localhost:*'],
  closeViewers: 'test',
});

function open(name: string, setup?: ViewerOptions['setup']): Promise<Viewer> {
  return suite.open(suite.stack.pageUrl({ level: LEVEL }), { name, setup });
}

async function peerIdOf(viewer: Viewer): Promise<string> {
  const probe = await viewer.waitFor(
    'in the swarm',
    (now) => Boolean(now.stats?.peerId) && now.segments.length > 0,
  );
  return probe.stats?.peerId as string;
}

it('serves a second VoD viewer from the first, the origin seeing each segment fetched once by the service', async () => {
  const segments = suite.stack.segments(RENDITION);
  const first = await open('viewer 1');
  await first.waitFor(
    'holding the whole stream',
    (probe) => probe.segments.length >= segments.length,
    PLAY_TIMEOUT_MS,
  );
  // Viewer 1's votes had the service hash every segment: the origin saw each fetched once, by its User-Agent.
  const fetched = await waitUntil(
    'the hash service fetched every segment',
    async () => suite.stack.origin.hashServiceRequests(),
    (requests) => Object.keys(requests).length >= segments.length,
    { timeoutMs: 20_000 },
  );
  expect(fetched).toEqual(Object.fromEntries(segments.map((segment) => [segment.path, 1])));

  const firstId = await peerIdOf(first);
  const second = await open('viewer 2', (page) =>
    playWhenConnected(page, [firstId], PLAY_AFTER_CONNECTED_MS, SEGMENT_URL),
  );
  const [end1, end2] = (await playedToEnd([first, second], PLAY_TIMEOUT_MS)) as [Probe, Probe];
  const stats = end2.stats;
  const share = (stats?.p2pBytes ?? 0) / segmentBytes(stats);
  console.log(
    `hash service, VoD: viewer 2 got ${(100 * share).toFixed(1)} % of ${segmentBytes(stats)} segment bytes from ` +
      `peers (http ${stats?.httpBytes}, p2p ${stats?.p2pBytes}); origin requests by the service: ` +
      `${Object.values(suite.stack.origin.hashServiceRequests()).reduce((sum, n) => sum + n, 0)}`,
  );
  expect(share, [...first.log(), ...second.log()].join('\n')).toBeGreaterThanOrEqual(MIN_SECOND_VIEWER_SHARE);
  expectCleanPlayback(first, end1, segments, [first, second]);
  expectCleanPlayback(second, end2, segments, [first, second]);
  // Viewer 2 trusted the service's hashes: it never voted, so nothing was fetched again.
  expect(Object.values(suite.stack.origin.hashServiceRequests()).every((count) => count === 1)).toBe(true);
});

it('bans a peer that corrupts what it sends before any of its bytes reach a player', async () => {
  const segments = suite.stack.segments(RENDITION);
  const swarm = await swarmKey(
    playlistUrl(`${suite.stack.origin.url}/media/hls/${RENDITION}/index.m3u8`, []),
  );
  const seeder = await open('seeder');
  await seeder.waitFor(
    'holding the whole stream',
    (probe) => probe.segments.length >= segments.length,
    PLAY_TIMEOUT_MS,
  );
  const corrupter = await open('corrupter', async (page) => {
    await injectUploadFault(page, { kind: 'corrupt' });
    await trackDataChannels(page);
  });
  const held = await waitUntil(
    'the corrupter holding the whole stream',
    () => cachedSegments(corrupter.page, swarm),
    (entries) => entries.length === segments.length,
    { timeoutMs: PLAY_TIMEOUT_MS, context: () => corrupter.log().slice(-30).join('\n') },
  );
  await announceEagerly(
    corrupter.page,
    swarm,
    held.map(({ id, size, sha256 }) => ({ segmentId: id, size, sha256 })),
    EAGER_ANNOUNCE_MS,
  );
  await recordUploads(corrupter.page);
  const holders = [await peerIdOf(corrupter), await peerIdOf(seeder)];
  const corrupterId = holders[0] as string;

  const ends: Array<[Viewer, Probe]> = [];
  for (let index = 1; index <= LATER_VIEWERS; index++) {
    const viewer = await open(`viewer ${index}`, (page) =>
      playWhenConnected(page, holders, PLAY_AFTER_CONNECTED_MS, SEGMENT_URL),
    );
    await viewer.waitFor('playing', (probe) => probe.currentTime > 0.5, PLAY_TIMEOUT_MS);
    await setRate(viewer.page, VIEWER_RATE);
    const end = await viewer.waitFor(
      'played to the end',
      (probe) => probe.ended && probe.pendingDigests === 0,
      PLAY_TIMEOUT_MS,
    );
    ends.push([viewer, end]);
  }
  const corruptedTo = await readUploads(corrupter.page);
  const { tampered } = await faultCounters(corrupter.page);
  const context = [seeder, corrupter, ...ends.map(([viewer]) => viewer)];
  let corrupted = 0;
  for (const [viewer, end] of ends) {
    const banned = end.stats?.bannedPeers ?? [];
    console.log(
      `${viewer.name}: http ${end.stats?.httpBytes}, p2p ${end.stats?.p2pBytes}; corrupted responses from the ` +
        `corrupter ${corruptedTo[end.stats?.peerId ?? ''] ?? 0}; banned ${banned.length ? banned.join(', ') : 'nobody'}`,
    );
    // Only the origin's bytes reached its player: the worker dropped the corrupted ones before they did.
    expectCleanPlayback(viewer, end, segments, context);
    if ((corruptedTo[end.stats?.peerId ?? ''] ?? 0) > 0) {
      corrupted++;
      expect(banned, `${viewer.name} bans the corrupter`).toContain(corrupterId);
    }
    expect(
      banned.filter((peerId) => peerId !== corrupterId),
      `${viewer.name}: honest peers banned`,
    ).toEqual([]);
  }
  expect(tampered, 'corrupted responses the corrupter sent').toBeGreaterThan(0);
  expect(corrupted, 'later viewers the corrupter sent corrupted responses to').toBeGreaterThan(0);
});
