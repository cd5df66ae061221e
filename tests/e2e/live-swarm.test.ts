// Four viewers of the live stream, run twice by the swarm harness on the same origin settings: CDN only, then
// with Peerlane. Peerlane must carry most segment bytes between peers without adding stalls, and the swarm's
// main uploader leaving mid-stream must not stall the viewers it was serving.
import { beforeAll, expect, it } from 'vitest';
import { snapshotMedia } from '../../bench/swarm/media-snapshot';
import { runSwarm } from '../../bench/swarm/run-swarm';
import { type RunFigures, summarizeRun } from '../../bench/swarm/summarize-run';
import { type SwarmSettings, swarmDefaults } from '../../bench/swarm/swarm-settings';

const LEAVE_AT_SEC = 15;
/**
 * 36 s after the last join. The pages start Peerlane after their first frame (the page default), and the segments
 * each first visit loads before the worker controls it count as CDN bytes: over 24 s the share was 54 % against the
 * 50 % asserted.
 */
const SETTINGS: SwarmSettings = {
  ...swarmDefaults,
  viewers: 4,
  mode: 'live',
  duration: 36,
  joinSpread: 3,
  // One rendition (360p) for everyone: one swarm, and four decoders a loaded 2-core machine keeps up with.
  level: 1,
  departures: [{ viewer: 'top-uploader', atSec: LEAVE_AT_SEC }],
};
const MIN_OFFLOAD = 0.5;

let cdnOnly: RunFigures;
let peerlane: RunFigures;

beforeAll(async () => {
  const media = await snapshotMedia();
  try {
    cdnOnly = summarizeRun(await runSwarm(SETTINGS, false, { mediaDir: media.dir }));
    peerlane = summarizeRun(await runSwarm(SETTINGS, true, { mediaDir: media.dir }));
  } finally {
    media.remove();
  }
  console.log(
    `live, 4 viewers: offload ${(peerlane.offload * 100).toFixed(1)} %, stalls ${peerlane.stalls} ` +
      `(${peerlane.stallSeconds.toFixed(1)} s) vs CDN only ${cdnOnly.stalls} (${cdnOnly.stallSeconds.toFixed(1)} s), ` +
      `CDN segment bytes ${peerlane.cdnSegmentBytes} vs ${cdnOnly.cdnSegmentBytes}`,
  );
}, 170_000);

/** Every viewer played, without player errors or a single wrong byte. */
function expectHealthy(run: RunFigures, name: string): void {
  expect(run.neverStarted, `${name}: viewers that never played`).toBe(0);
  const problems = run.viewers.flatMap((viewer) =>
    viewer.errorSamples.map((text) => `${viewer.name}: ${text}`),
  );
  expect(problems, `${name}: errors and wrong segments`).toEqual([]);
}

it('carries most segment bytes between peers, with no more stalls than the CDN alone', () => {
  expectHealthy(cdnOnly, 'CDN only');
  expectHealthy(peerlane, 'Peerlane');
  expect(peerlane.offload).toBeGreaterThan(MIN_OFFLOAD);
  expect(peerlane.stalls).toBeLessThanOrEqual(cdnOnly.stalls);
  // The origin agrees: it sent far fewer segment bytes than without Peerlane.
  expect(peerlane.cdnSegmentBytes).toBeLessThan(cdnOnly.cdnSegmentBytes * (1 - MIN_OFFLOAD / 2));
});

it('keeps the others playing without a stall when the main uploader leaves mid-stream', () => {
  const leaver = peerlane.viewers.find((viewer) => viewer.leftAtSec !== null);
  expect(leaver, 'a viewer left').toBeDefined();
  expect(leaver?.uploadedBytes, 'the leaver was serving others').toBeGreaterThan(0);
  const leftAt = leaver?.leftAtSec ?? 0;
  const stayers = peerlane.viewers.filter((viewer) => viewer !== leaver);
  const stallsAfter = peerlane.timelines.stalls.filter(
    (stall) => stall.viewer !== leaver?.name && stall.end > leftAt,
  );
  expect(stallsAfter, 'stalls of the others after the leave').toEqual([]);
  // They kept receiving segments to the end: from the network or from the remaining peers.
  for (const viewer of stayers) expect(viewer.httpBytes + viewer.p2pBytes).toBeGreaterThan(0);
});
