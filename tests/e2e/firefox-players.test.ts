// The two-viewer swarm of the player tests, in Firefox ESR, for every case Firefox plays here without Peerlane: a
// plain <video> (progressive MP4), dash.js on DASH and hls.js on fMP4 HLS (hls.js cannot play the MPEG-TS renditions
// in Firefox even without Peerlane: addSourceBuffer fails). Viewer 2 gets at least half its bytes from viewer 1,
// neither viewer stalls (viewer 2's seek aside; see playback-stalls.ts for what Firefox does that is not a stall),
// and the players get exactly the origin's bytes.
import { expect, it } from 'vitest';
import { launchFirefox } from '../support/firefox';
import { originMismatches } from '../support/origin-bytes';
import { playbackStalls } from '../support/playback-stalls';
import { expectHealthySwarm, type SwarmResult, useSwarmSuite } from '../support/player-swarm';
import type { PageParams } from '../support/stack';

/** Both viewers pin 360p (index 1), as in the Chromium tests; 30 s buffer goal. */
const PINNED = { level: 1, buffer: 30 };
const MIN_P2P_SHARE = 0.5;

const suite = useSwarmSuite(launchFirefox);

it.each<[string, PageParams, number]>([
  // Within the worker's first 4 MiB answer, once buffered, as in players-video.test.ts.
  ['plain <video>, progressive MP4', { page: 'video' }, 0.3],
  ['dash.js, SegmentTemplate $Number$ (fMP4)', { page: 'dash.js', format: 'template', ...PINNED }, 0.4],
  ['hls.js, fMP4 segments', { page: 'hls.js', format: 'fmp4', ...PINNED }, 0.4],
])(
  'Firefox, %s: viewer 2 plays mostly from viewer 1, seeks, and reaches the end cleanly',
  async (label, params, seekTo) => {
    const result = await suite.run(params, seekTo, params.page === 'video');
    expectHealthySwarm(`Firefox, ${label}`, result, MIN_P2P_SHARE);
    // The MSE players' segments are compared with the origin's files; a <video> element's bytes are not visible
    // to the page (the worker checks peers' pieces against the origin's published piece hashes).
    const captured = params.page === 'video' ? 0 : 1;
    expect(result.end2.segments.length, 'segments captured').toBeGreaterThanOrEqual(captured);
    expectNoStallsAndOriginBytes(result, suite.stack.origin.config.mediaDir);
  },
);

function expectNoStallsAndOriginBytes(result: SwarmResult, mediaDir: string): void {
  const { first, second, end1, end2, beforeSeek, afterSeek } = result;
  const diagnostics = [...first.log(), ...second.log()].join('\n');
  expect(playbackStalls(end1), `${first.name}: stalls\n${diagnostics}`).toBe(0);
  const seek = [beforeSeek.now, afterSeek.now] as const;
  expect(playbackStalls(end2, [seek]), `${second.name}: stalls (its seek aside)\n${diagnostics}`).toBe(0);
  for (const [viewer, end] of [
    [first, end1],
    [second, end2],
  ] as const) {
    expect(originMismatches(end.segments, mediaDir), `${viewer.name}: wrong bytes`).toEqual([]);
  }
}
