// A swarm with hostile members and no origin hashes, so the swarm itself must establish trust (hash quorum 2):
// a raw client votes wrong hashes, a "liar" announces a self-consistent poisoned cache, a "corrupter" announces
// true hashes but corrupts what it sends. Honest viewers play cleanly, get only the origin's bytes, ban the liar and
// (whoever it sent bytes to) the corrupter, report them, and still take most of their bytes from peers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { segmentId } from '../../protocol/segment-ids';
import { canonicalUrl, playlistUrl, swarmKey } from '../../sw/worker/segment-id';
import { useBrowserStack } from '../support/browser-stack';
import { expectCleanPlayback } from '../support/clean-playback';
import { announceEagerly, trackDataChannels } from '../support/eager-announcer';
import { openHashLiar } from '../support/hash-liar';
import { faultCounters, injectUploadFault } from '../support/peer-faults';
import { playWhenConnected } from '../support/play-when-connected';
import { PLAY_TIMEOUT_MS, setRate, VIEWER_RATE } from '../support/player-swarm';
import { cachedSegments, poisonCache, poisonedSha256 } from '../support/segment-cache';
import { readUploads, recordUploads } from '../support/upload-log';
import type { Probe, Viewer, ViewerOptions } from '../support/viewer';
import { waitUntil } from '../support/wait-until';

/** Everyone plays the 360p rendition (index 1): one swarm. */
const LEVEL = 1;
const RENDITION = '360p';
const LATER_VIEWERS = 4;
const SEGMENT_URL = /\.ts(\?|$)/;
/**
 * A later viewer presses play this long after it is connected to the holders: their announcements are in by then
 * (on a loaded machine the corrupter's page may take a while to send its first), so its first picks see them all.
 */
const PLAY_AFTER_CONNECTED_MS = 1000;
const MIN_OFFLOAD = 0.5;
/**
 * How often the corrupter announces its segments again: more often than the announcements of peers connecting to a
 * new viewer arrive, so the corrupter is its freshest holder when it first picks peers.
 */
const EAGER_ANNOUNCE_MS = 25;
/**
 * Two votes make a hash trusted; on loopback every viewer has the same address, so addresses are not counted.
 * Reports never hide a peer from SWARM-PEERS here: every later viewer must meet both bad viewers and ban them itself.
 */
const SIGNAL_FLAGS = [
  '--hash-quorum',
  '2',
  '--hash-quorum-distinct-ips=false',
  '--peer-report-threshold',
  '1000',
];

const suite = useBrowserStack({ origin: { publishHashes: false }, signal: SIGNAL_FLAGS });

it('keeps honest viewers on the origin bytes and bans a liar and a corrupter, with offload above 0.5', async () => {
  const segments = suite.stack.segments(RENDITION);
  const base = suite.stack.origin.url;
  // Named as the worker names them (segment-id.ts); checked against a seeder's cache below.
  const swarm = await swarmKey(playlistUrl(`${base}/media/hls/${RENDITION}/index.m3u8`, []));
  const ids = segments.map((segment) => segmentId(canonicalUrl(`${base}${segment.path}`, []), null));
  const lies = segments.map((segment, index) => ({
    segment: ids[index] as string,
    size: segment.size,
    sha256: poisonedSha256(
      new Uint8Array(
        readFileSync(join(suite.stack.origin.config.mediaDir, segment.path.replace('/media/', ''))),
      ),
    ),
  }));

  // 1. A raw client votes the poisoned hashes first: one voter, however often it votes, is not a quorum.
  const hashLiar = await openHashLiar(suite.stack.signal.port, 'hash-liar', swarm, lies);
  suite.onClose(() => hashLiar.close());

  // 2. Two honest seeders fetch everything from the network together (at normal speed, kept to the end of the
  // test): their votes make the true hashes trusted.
  const seeders = await Promise.all([open('seeder 1'), open('seeder 2')]);
  await Promise.all(
    seeders.map((seeder) =>
      seeder.waitFor(
        'holding the whole stream',
        (probe) => probe.segments.length >= ids.length,
        PLAY_TIMEOUT_MS,
      ),
    ),
  );
  const held = await cachedSegments(seeders[0].page, swarm);
  expect(held.map((entry) => entry.id).sort(), 'segment ids as the worker names them').toEqual(
    [...ids].sort(),
  );
  const trusted = await hashLiar.acceptedHashes(ids);
  expect(
    trusted.map((hash) => hash.sha256),
    'hashes the swarm accepted: the origin bytes, not the lie',
  ).toEqual(segments.map((segment) => segment.sha256));
  await hashLiar.close();

  // 3. The bad viewers load the stream (from the seeders) and hold all of it.
  const [liar, corrupter] = await Promise.all([
    open('liar'),
    open('corrupter', async (page) => {
      await injectUploadFault(page, { kind: 'corrupt' });
      await trackDataChannels(page);
    }),
  ]);
  const [, corrupterHolds] = await Promise.all(
    [liar, corrupter].map((viewer) => holdingAll(viewer, swarm, ids)),
  );
  // The liar poisons its cache with Peerlane stopped (a page of the origin without it), then comes back announcing it.
  await liar.page.goto(`${base}/config.json`);
  expect(await poisonCache(liar.page, swarm), 'poisoned cache: the hashes the raw client voted').toEqual(
    Object.fromEntries(lies.map((lie) => [lie.segment, lie.sha256])),
  );
  await liar.page.goto(suite.stack.pageUrl({ level: LEVEL }));
  const liarId = await swarmPeerId(liar);
  const corrupterId = await swarmPeerId(corrupter);
  // The corrupter re-announces all it holds all the time, as an attacker who wants to be picked would (among
  // equally fast holders the agent picks the one that announced last): every honest viewer tries it.
  await announceEagerly(
    corrupter.page,
    swarm,
    (corrupterHolds ?? []).map(({ id, size, sha256 }) => ({ segmentId: id, size, sha256 })),
    EAGER_ANNOUNCE_MS,
  );
  await Promise.all([...seeders, corrupter].map((viewer) => recordUploads(viewer.page)));

  // 4. Honest viewers join one after another (each once the one before holds the whole stream) and play to the end.
  // Each presses play a moment after it is connected to the corrupter and the honest holders, as a viewer who starts
  // the video after opening the page: its first choices of peers are made among all of them.
  const later: Viewer[] = [];
  const holders = [corrupterId, ...(await Promise.all(seeders.map(swarmPeerId)))];
  for (let index = 1; index <= LATER_VIEWERS; index++) {
    const viewer = await open(`viewer ${index}`, (page) =>
      playWhenConnected(page, holders, PLAY_AFTER_CONNECTED_MS, SEGMENT_URL),
    );
    await recordUploads(viewer.page);
    later.push(viewer);
    await viewer.waitFor('playing', (probe) => probe.currentTime > 0.5);
    await setRate(viewer.page, VIEWER_RATE);
    const loaded = await viewer.waitFor(
      'holding the whole stream',
      (probe) => probe.segments.length >= ids.length,
    );
    holders.push(peerIdOf(loaded));
  }
  const laterEnds = await Promise.all(
    later.map((viewer) =>
      viewer.waitFor(
        'played to the end',
        (probe) => probe.ended && probe.pendingDigests === 0,
        PLAY_TIMEOUT_MS,
      ),
    ),
  );
  const honest = [...seeders, ...later];
  const ends = [...(await Promise.all(seeders.map((viewer) => viewer.probe()))), ...laterEnds];
  const corruptedTo = await readUploads(corrupter.page);
  const names = new Map([
    [liarId, 'liar'],
    [corrupterId, 'corrupter'],
    ...honest.map((viewer, index) => [peerIdOf(ends[index]), viewer.name] as const),
  ]);
  const offload = sum(ends, 'p2pBytes') / (sum(ends, 'httpBytes') + sum(ends, 'p2pBytes'));
  await printRun(honest, ends, [...honest, corrupter], names);
  console.log(
    `offload among the ${honest.length} honest viewers: ${(100 * offload).toFixed(1)} %; the corrupter sent ` +
      `${(await faultCounters(corrupter.page)).tampered} corrupted responses`,
  );

  const context = [liar, corrupter, ...honest];
  const honestIds = new Set(ends.map(peerIdOf));
  for (const [index, viewer] of honest.entries()) {
    const end = ends[index] as Probe;
    const banned = end.stats?.bannedPeers ?? [];
    const diagnostics = viewer.log().join('\n');
    expectCleanPlayback(viewer, end, segments, context);
    expect(
      banned.filter((peerId) => honestIds.has(peerId)),
      `${viewer.name}: honest peers banned`,
    ).toEqual([]);
    // Everyone met the liar (it dialed them all when it came back): its announcement contradicts trusted hashes.
    expect(banned, `${viewer.name}: bans the liar\n${diagnostics}`).toContain(liarId);
    // Only a download shows the corrupter up (what it announces is true): whoever it sent a corrupted response to
    // banned it. Which viewers try it first is the scheduler's choice, so not every one need have.
    if ((corruptedTo[peerIdOf(end)] ?? 0) > 0)
      expect(banned, `${viewer.name}: bans the corrupter\n${diagnostics}`).toContain(corrupterId);
  }
  const corruptedViewers = later.filter((_, index) => (corruptedTo[peerIdOf(laterEnds[index])] ?? 0) > 0);
  console.log(`the corrupter tried ${corruptedViewers.length} of ${later.length} later viewers`);
  expect(corruptedViewers.length, 'later viewers the corrupter sent corrupted responses to').toBeGreaterThan(
    0,
  );
  expect(offload, 'share of the honest viewers bytes from peers').toBeGreaterThan(MIN_OFFLOAD);

  // The server's side: one hash accepted per segment, the raw liar's second votes not counted, every ban reported.
  const metrics = await (await fetch(`http://127.0.0.1:${suite.stack.signal.port}/metrics`)).text();
  const bans = ends.reduce((total, end) => total + (end.stats?.bannedPeers.length ?? 0), 0);
  const accepted = metric(metrics, 'peerlane_signal_hashes_accepted_total');
  const duplicates = metric(metrics, 'peerlane_signal_hash_reports_total', 'duplicate');
  const reports = metric(metrics, 'peerlane_signal_peer_reports_total', 'counted');
  console.log(
    `signal server: ${accepted} hashes accepted, ${duplicates} duplicate votes, ${reports} peer reports counted ` +
      `(honest viewers' bans: ${bans})`,
  );
  expect(accepted, 'hashes accepted').toBe(ids.length);
  expect(duplicates, 'second votes of one connection').toBeGreaterThanOrEqual(lies.length);
  expect(reports, 'PEER-REPORTs counted').toBeGreaterThanOrEqual(bans);
});

function open(name: string, setup?: ViewerOptions['setup']): Promise<Viewer> {
  return suite.open(suite.stack.pageUrl({ level: LEVEL }), { name, setup });
}

/** Waits until the viewer's cache holds every segment of `swarm`; returns what it holds. */
function holdingAll(viewer: Viewer, swarm: string, ids: readonly string[]) {
  return waitUntil(
    `${viewer.name} holding the whole stream`,
    () => cachedSegments(viewer.page, swarm),
    (entries) => entries.length === ids.length,
    { timeoutMs: PLAY_TIMEOUT_MS, context: () => viewer.log().slice(-30).join('\n') },
  );
}

/** The viewer's id once its player got segments (so its agent joined the swarm and announced its cache). */
async function swarmPeerId(viewer: Viewer): Promise<string> {
  const probe = await viewer.waitFor(
    'in the swarm',
    (current) => Boolean(current.stats?.peerId) && current.segments.length > 0,
  );
  return peerIdOf(probe);
}

/** One line per honest viewer: bytes by source, start-up, stalls, bans, and who served it how many segments. */
async function printRun(
  honest: readonly Viewer[],
  ends: readonly Probe[],
  uploaders: readonly Viewer[],
  names: ReadonlyMap<string, string>,
): Promise<void> {
  const uploads = await Promise.all(uploaders.map((viewer) => readUploads(viewer.page)));
  for (const [index, viewer] of honest.entries()) {
    const end = ends[index] as Probe;
    const { httpBytes = 0, p2pBytes = 0, cacheBytes = 0, bannedPeers = [] } = end.stats ?? {};
    const servedBy = uploaders
      .map((uploader, at) => [uploader.name, uploads[at]?.[peerIdOf(end)] ?? 0] as const)
      .filter(([, count]) => count > 0)
      .map(([name, count]) => `${name} ×${count}`);
    console.log(
      `${viewer.name}: http ${httpBytes} B, p2p ${p2pBytes} B, cache ${cacheBytes} B; playing ` +
        `${((end.firstPlayAt ?? 0) / 1000).toFixed(1)} s after opening, ${end.stalls} stalls; banned ` +
        `${bannedPeers.map((peerId) => names.get(peerId) ?? peerId).join(', ') || 'nobody'}; ` +
        `served by ${servedBy.join(', ') || 'nobody'}`,
    );
  }
}

/** A counter's value in Prometheus text (`result` label when given); 0 when absent. */
function metric(text: string, name: string, result?: string): number {
  const series = result === undefined ? name : `${name}{result="${result}"}`;
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function peerIdOf(probe: Probe | undefined): string {
  return probe?.stats?.peerId ?? '(offline)';
}

function sum(probes: readonly Probe[], field: 'httpBytes' | 'p2pBytes'): number {
  return probes.reduce((total, probe) => total + (probe.stats?.[field] ?? 0), 0);
}
