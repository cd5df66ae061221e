// The two-viewer swarm scenario every player test runs: viewer 1 plays a stream to the end, then viewer 2 (its
// own browser context) plays it too, seeks once and reaches the end; and the checks every such run must pass.
import type { Browser, Page } from 'puppeteer';
import { expect } from 'vitest';
import type { PeerlaneStats } from '../../sw/agent/index';
import { useBrowserStack } from './browser-stack';
import { recordSegmentLoads } from './segment-loads';
import type { PageParams, Stack } from './stack';
import { type Probe, segmentBytes, type Viewer, type ViewerOptions } from './viewer';

/** Viewer 1's playbackRate once playing: it only has to hold the stream for viewer 2. */
const SEEDER_RATE = 4;
/**
 * Viewer 2's playbackRate after its seek: real playback, fewer seconds of test. Only 2: the agent judges urgency
 * by seconds buffered, which drain `rate` times faster than it assumes.
 */
export const VIEWER_RATE = 2;
/**
 * Viewer 2 seeks forward to this fraction of the duration once playing, by default. The first segments after a
 * seek past the buffer come from the network by design: the viewer waits, and on loopback the network beats any
 * peer (see sw/agent/scheduler.ts), so a later seek lowers the share.
 */
const SEEK_TO = 0.4;
/** Per viewer, for play-to-the-end waits. */
export const PLAY_TIMEOUT_MS = 90_000;
/** How close to the end the playhead and the buffer must be for a viewer to count as at the end. */
const END_TOLERANCE_SEC = 0.1;
/** Once at the end, how long `ended` may take to fire before the player is taken not to signal it. */
const ENDED_GRACE_MS = 3_000;

/**
 * At the end: `ended`, or the playhead at the end with the whole stream buffered. The second is the player's
 * end-of-stream signal going missing, not a delivery fault: once in about ten runs dash.js (single-file SegmentList,
 * segments from a peer in milliseconds around the seek) stopped at currentTime = duration = buffered end and never
 * fired `ended`. dash.js calls MediaSource.endOfStream() once, when both tracks finished buffering, and skips it if a
 * SourceBuffer is still updating at that moment (MediaSourceController.signalEndOfStream). Bytes that never arrived
 * leave the buffer short of the end, and wrong bytes fail the segment checks.
 */
export function atEnd(probe: Probe): boolean {
  if (probe.ended) return true;
  const { duration, currentTime, bufferedEnd } = probe;
  return (
    duration > 0 && duration - currentTime < END_TOLERANCE_SEC && duration - bufferedEnd < END_TOLERANCE_SEC
  );
}

/** Waits until the viewer is at the end (see atEnd), then a moment for its `ended`; resolves with its last probe. */
export async function untilEnd(viewer: Viewer): Promise<Probe> {
  const end = await viewer.waitFor('played to the end', atEnd, PLAY_TIMEOUT_MS);
  if (end.ended) return end;
  return viewer.waitFor('ended', (probe) => probe.ended, ENDED_GRACE_MS).catch(() => viewer.probe());
}

export interface SwarmResult {
  first: Viewer;
  second: Viewer;
  /** Viewer 2 playing, before its seek, and once past it (a seek's wait is not a stall). */
  beforeSeek: Probe;
  afterSeek: Probe;
  /** Viewer 1 once viewer 2 has ended. */
  end1: Probe;
  end2: Probe;
  /** Viewer 2's media bytes from peers / all its media bytes through Peerlane. */
  share: number;
}

/** One browser and one stack per test file; the viewers of each test are closed after it. */
export interface SwarmSuite {
  readonly stack: Stack;
  readonly browser: Browser;
  /**
   * Runs the two-viewer scenario on an example page; viewer 2 seeks to `seekTo` × the duration, once its buffer
   * reaches that far when `seekBuffered` (a seek the player answers from what it loaded, no new request).
   */
  run(params: PageParams, seekTo?: number, seekBuffered?: boolean): Promise<SwarmResult>;
  /** Opens one more viewer, closed after the test. */
  open(url: string, options: ViewerOptions): Promise<Viewer>;
}

/** `launch`: the browser every viewer of the file runs in (a context each). Default Chromium. */
export function useSwarmSuite(launch?: () => Promise<Browser>): SwarmSuite {
  const shared = useBrowserStack({ closeViewers: 'test', launch });
  const suite: SwarmSuite = {
    get stack() {
      return shared.stack;
    },
    get browser() {
      return shared.browser;
    },
    run: (params, seekTo = SEEK_TO, seekBuffered = false) =>
      runSwarm(suite, suite.stack.pageUrl(params), seekTo, seekBuffered),
    open: (url, options) =>
      shared.open(url, {
        ...options,
        setup: async (page) => {
          await recordSegmentLoads(page);
          await options.setup?.(page);
        },
      }),
  };
  return suite;
}

async function runSwarm(
  suite: SwarmSuite,
  url: string,
  seekTo: number,
  seekBuffered: boolean,
): Promise<SwarmResult> {
  const first = await suite.open(url, { name: 'viewer 1' });
  await seed(first);

  const second = await suite.open(url, { name: 'viewer 2' });
  let beforeSeek = await second.waitFor('playing', (probe) => probe.currentTime > 0.5);
  const target = beforeSeek.duration * seekTo;
  if (seekBuffered)
    beforeSeek = await second.waitFor(
      `buffered past ${target.toFixed(1)} s`,
      (probe) => probe.bufferedEnd > target,
    );
  await second.page.evaluate((time) => {
    (document.querySelector('video') as HTMLVideoElement).currentTime = time;
  }, target);
  const afterSeek = await second.waitFor(
    `past the seek to ${target.toFixed(1)} s`,
    (probe) => probe.currentTime > target,
  );
  await setRate(second.page, VIEWER_RATE);
  const end2 = await untilEnd(second);

  const stats = end2.stats as PeerlaneStats;
  return {
    first,
    second,
    beforeSeek,
    afterSeek,
    end1: await first.probe(),
    end2,
    share: stats.p2pBytes / Math.max(1, segmentBytes(stats)),
  };
}

/**
 * Logs viewer 2's share, then checks: at least `minShare` of its media bytes came from peers (all uploaded by
 * viewer 1), and both viewers reached the end without a player or media error.
 */
export function expectHealthySwarm(label: string, result: SwarmResult, minShare: number): void {
  const { first, second, end1, end2, share } = result;
  const stats = end2.stats as PeerlaneStats;
  console.log(
    `${label}: viewer 2 got ${(100 * share).toFixed(1)} % of ${segmentBytes(stats)} media bytes from peers ` +
      `(http ${stats.httpBytes}, p2p ${stats.p2pBytes}, cache ${stats.cacheBytes}); ` +
      `viewer 1 uploaded ${end1.stats?.uploadedBytes ?? 0}; peers ${end1.stats?.peers}/${stats.peers}, ` +
      `banned ${[...(end1.stats?.bannedPeers ?? []), ...stats.bannedPeers].join(' ') || 'none'}`,
  );
  const diagnostics = [...first.log(), ...second.log()].join('\n');
  expect(share, `viewer 2's share of bytes from peers\n${diagnostics}`).toBeGreaterThanOrEqual(minShare);
  expect(end1.stats?.uploadedBytes, 'viewer 1 uploaded what viewer 2 got from peers').toBeGreaterThanOrEqual(
    stats.p2pBytes,
  );
  for (const [viewer, end] of [
    [first, end1],
    [second, end2],
  ] as const) {
    expect(viewer.problems(), `${viewer.name}: errors\n${diagnostics}`).toEqual([]);
    expect(end.mediaErrors, `${viewer.name}: media errors`).toEqual([]);
    expect(atEnd(end), `${viewer.name}: reached the end`).toBe(true);
  }
}

/** A seeder plays its stream to the end, fast: then it holds everything its player loaded. */
export async function seed(seeder: Viewer): Promise<Probe> {
  await seeder.waitFor('playing', (probe) => probe.currentTime > 0.5);
  await setRate(seeder.page, SEEDER_RATE);
  return untilEnd(seeder);
}

export function setRate(page: Page, rate: number): Promise<void> {
  return page.evaluate((value) => {
    (document.querySelector('video') as HTMLVideoElement).playbackRate = value;
  }, rate);
}
