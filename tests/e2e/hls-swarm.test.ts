// Two viewers of one VoD through the hls.js example page, each in its own browser context (real hls.js, real
// service workers, IndexedDB and WebRTC): the second, started once the first has the whole stream, plays
// mostly from the first, and both play to the end without stalls, errors or a wrong byte.
import { expect, it } from 'vitest';
import type { PeerlaneStats } from '../../sw/agent/index';
import { useBrowserStack } from '../support/browser-stack';
import { segmentMismatches } from '../support/segment-check';
import { segmentBytes } from '../support/viewer';

/** Both viewers play the 360p rendition (index 1): ABR choices would split them into different swarms. */
const LEVEL = 1;
const RENDITION = '360p';
const MIN_P2P_SHARE = 0.6;

const suite = useBrowserStack();

// Media from the page's own origin, then from the cross-origin CDN (CORS requests through the worker).
it.each([
  ['same-origin media', false],
  ['cross-origin CDN media', true],
])(
  'serves a second viewer mostly from the first, both playing to the end without stalls (%s)',
  async (_, cdn) => {
    const segments = suite.stack.segments(RENDITION);
    const streamBytes = segments.reduce((sum, segment) => sum + segment.size, 0);
    const url = suite.stack.pageUrl({ level: LEVEL, cdn });

    const first = await suite.open(url, { name: 'viewer 1' });
    // hls.js buffers 30 s ahead by default: the whole 30 s stream, delivered through viewer 1's worker.
    await first.waitFor('holding the whole stream', (probe) => segmentBytes(probe.stats) >= streamBytes);

    const second = await suite.open(url, { name: 'viewer 2' });
    const [end1, end2] = await Promise.all([
      first.waitFor('played to the end', (probe) => probe.ended && probe.pendingDigests === 0, 90_000),
      second.waitFor('played to the end', (probe) => probe.ended && probe.pendingDigests === 0, 90_000),
    ]);

    const stats = end2.stats as PeerlaneStats;
    const share = stats.p2pBytes / segmentBytes(stats);
    console.log(
      `viewer 2: ${(100 * share).toFixed(1)} % of ${segmentBytes(stats)} segment bytes from peers ` +
        `(http ${stats.httpBytes}, p2p ${stats.p2pBytes}, cache ${stats.cacheBytes}); ` +
        `viewer 1 uploaded ${end1.stats?.uploadedBytes}`,
    );
    const diagnostics = [...first.log(), ...second.log()].join('\n');
    expect(share, diagnostics).toBeGreaterThanOrEqual(MIN_P2P_SHARE);
    expect(
      end1.stats?.uploadedBytes,
      'viewer 1 uploaded what viewer 2 got from peers',
    ).toBeGreaterThanOrEqual(stats.p2pBytes);
    expect(stats.peers, 'viewer 2 still connected to viewer 1').toBeGreaterThanOrEqual(1);

    for (const [viewer, end] of [
      [first, end1],
      [second, end2],
    ] as const) {
      expect(viewer.problems(), `${viewer.name}: errors\n${diagnostics}`).toEqual([]);
      expect(end.mediaErrors, `${viewer.name}: media errors`).toEqual([]);
      expect(end.stalls, `${viewer.name}: stalls after playback started`).toBe(0);
      expect(end.segments.length, `${viewer.name}: segments the player received`).toBeGreaterThanOrEqual(
        segments.length,
      );
      expect(
        segmentMismatches(end.segments, segments),
        `${viewer.name}: bytes that differ from the origin`,
      ).toEqual([]);
    }
  },
);
