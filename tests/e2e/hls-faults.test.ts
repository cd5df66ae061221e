// Faults a swarm must absorb without the viewer noticing: a serving peer that freezes mid-transfer and then
// vanishes, peers that send corrupt, short or wrong-length responses, and a worker update during playback.
// Same page and player as the swarm test; the faults are injected into the uploading page only.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserStack } from '../support/browser-stack';
import { expectCleanPlayback } from '../support/clean-playback';
import { faultCounters, injectUploadFault, setUploadFault, type UploadFault } from '../support/peer-faults';
import { type Probe, segmentBytes, type Viewer, type ViewerOptions } from '../support/viewer';
import { waitUntil } from '../support/wait-until';

const LEVEL = 1;
const RENDITION = '360p';

// A private copy of dist/, so the update test can change the worker script the origin serves.
const suite = useBrowserStack({ privateDist: true });

function viewer(options: ViewerOptions, buffer?: number): Promise<Viewer> {
  return suite.open(suite.stack.pageUrl({ level: LEVEL, buffer }), options);
}

/** A viewer whose worker has delivered (and so cached) the whole stream: the swarm's only holder. */
async function seeder(fault: UploadFault | null): Promise<Viewer> {
  const streamBytes = suite.stack.segments(RENDITION).reduce((sum, segment) => sum + segment.size, 0);
  const seed = await viewer({ name: 'seeder', setup: (page) => injectUploadFault(page, fault) });
  await seed.waitFor('holding the whole stream', (probe) => segmentBytes(probe.stats) >= streamBytes);
  return seed;
}

/** Bytes by source, stalls, and when each segment reached the player (seconds after the page opened). */
function playbackSummary(end: Probe): string {
  const { httpBytes = 0, p2pBytes = 0 } = end.stats ?? {};
  const arrivals = end.segments.map((segment) => (segment.receivedAt / 1000).toFixed(1)).join(' ');
  const started = ((end.firstPlayAt ?? 0) / 1000).toFixed(1);
  return `http ${httpBytes} B, p2p ${p2pBytes} B, ${end.stalls} stalls; playing at ${started} s; segments at ${arrivals} s`;
}

it('keeps playing from the network when the serving peer freezes mid-transfer and then leaves', async () => {
  const seed = await seeder({ kind: 'freeze', responses: 3 });
  // A short buffer keeps the player asking for segments during playback, so the freeze happens mid-stream.
  const watcher = await viewer({ name: 'watcher' }, 6);
  await waitUntil(
    'seeder frozen mid-response',
    () => faultCounters(seed.page),
    (counters) => counters.frozen,
    {
      context: () => [...seed.log(), ...watcher.log()].join('\n'),
    },
  );
  await suite.close(seed);

  const end = await watcher.waitFor(
    'played well past the frozen segment',
    (probe) => probe.currentTime >= 16 && probe.pendingDigests === 0,
    90_000,
  );
  console.log(`serving peer froze and left: ${playbackSummary(end)}`);
  expectCleanPlayback(watcher, end, suite.stack.segments(RENDITION), [watcher]);
  expect(end.stats?.p2pBytes, 'the first segments came from the peer').toBeGreaterThan(0);
  expect(end.stats?.httpBytes, 'the rest came from the network').toBeGreaterThan(0);
  await suite.close(watcher);
});

describe('a peer sending bad segment data', () => {
  let seed: Viewer;

  beforeAll(async () => {
    seed = await seeder(null);
  });

  it.each<[string, UploadFault]>([
    ['corrupt (right length, wrong bytes)', { kind: 'corrupt' }],
    ['short (last chunk missing)', { kind: 'short' }],
    ['wrong-length (declares and sends 1000 bytes too few)', { kind: 'wrong-length', cut: 1000 }],
  ])('never hands a %s response to the player', async (_name, fault) => {
    const before = await faultCounters(seed.page);
    await setUploadFault(seed.page, fault);
    // A short buffer spreads the player's requests over playback: most come once the peers are connected.
    const watcher = await viewer({ name: 'watcher' }, 6);
    await waitUntil(
      'sent a bad response',
      () => faultCounters(seed.page),
      (counters) => counters.tampered > before.tampered,
      { context: () => [...seed.log(), ...watcher.log()].join('\n') },
    );
    const atFault = await watcher.probe();
    // The segment that peer answered badly, and the ones after it, reach the player all the same.
    const end = await watcher.waitFor(
      'received three more segments',
      (probe) => probe.segments.length >= atFault.segments.length + 3 && probe.pendingDigests === 0,
      60_000,
    );
    await suite.close(watcher);
    const after = await faultCounters(seed.page);
    await setUploadFault(seed.page, null);

    console.log(
      `${fault.kind}: ${after.tampered - before.tampered} bad responses sent; ${playbackSummary(end)}`,
    );
    expect(after.tampered - before.tampered, 'bad responses the seeder sent').toBeGreaterThan(0);
    expectCleanPlayback(watcher, end, suite.stack.segments(RENDITION), [seed, watcher]);
    // Every response from the only peer was bad: whatever the player got came from the network.
    expect(end.stats?.p2pBytes, 'bytes served from bad peer responses').toBe(0);
  });
});

it('keeps playing, through the new worker, when the worker is updated mid-playback', async () => {
  const watcher = await viewer({ name: 'watcher' }, 6);
  const playing = await watcher.waitFor('playing', (probe) => probe.currentTime >= 2 && probe.stats !== null);

  // A changed byte in the script is an update to the browser; update() checks now instead of within 24 h.
  appendFileSync(
    join(suite.stack.distDir, 'peerlane-sw.js'),
    `\n// updated by the fault test at ${Date.now()}\n`,
  );
  await watcher.page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    await registration?.update();
  });
  const updated = await watcher.waitFor(
    'controlled by the updated worker',
    (probe) => probe.controllerChanges > playing.controllerChanges,
  );

  const end = await watcher.waitFor(
    'played on with segments through the new worker',
    (probe) =>
      probe.currentTime >= updated.currentTime + 8 && segmentBytes(probe.stats) > segmentBytes(updated.stats),
    60_000,
  );
  expectCleanPlayback(watcher, end, suite.stack.segments(RENDITION), [watcher]);
  await suite.close(watcher);
});
