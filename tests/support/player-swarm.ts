// The two-viewer swarm scenario every player test runs: viewer 1 plays a stream to the end, then viewer 2 (its
// own browser context) plays it too, seeks once and reaches the end; returns what both saw for the test to judge.
import type { Browser, Page } from 'puppeteer';
import type { PeerlaneStats } from '../../sw/agent/index';
import { readSegmentLoads, recordSegmentLoads, type SegmentLoad } from './segment-loads';
import { openViewer, type Probe, segmentBytes, type Viewer } from './viewer';

export interface SwarmOptions {
  /** Viewer 1's playbackRate once playing: it only has to hold the stream for viewer 2. Default 4. */
  rate1?: number;
  /**
   * Viewer 2's playbackRate after its seek: real playback, fewer seconds of test. Default 2: the agent judges
   * urgency by seconds buffered, which drain `rate` times faster than it assumes.
   */
  rate2?: number;
  /** Viewer 2 seeks here, as a fraction of the duration, once it has played a little. Default 0.5. */
  seekTo?: number;
  /** Per viewer, for play-to-the-end waits. Default 90 s. */
  timeoutMs?: number;
}

export interface SwarmResult {
  first: Viewer;
  second: Viewer;
  /** Viewer 1 once viewer 2 has ended. */
  end1: Probe;
  end2: Probe;
  /** Viewer 2's segment-loaded events. */
  loads2: SegmentLoad[];
  /** Viewer 2's media bytes from peers / all its media bytes through Peerlane. */
  share: number;
  /** Both viewers' logs, for assertion messages. */
  diagnostics(): string;
}

/** Viewers are added to `opened` as soon as they exist, so the caller closes them even when a wait fails. */
export async function runSwarm(
  browser: Browser,
  url: string,
  opened: Set<Viewer>,
  { rate1 = 4, rate2 = 2, seekTo = 0.4, timeoutMs = 90_000 }: SwarmOptions = {},
): Promise<SwarmResult> {
  const setup = (page: Page) => recordSegmentLoads(page).then(() => {});
  const first = await openViewer(browser, url, { name: 'viewer 1', setup });
  opened.add(first);
  await first.waitFor('playing', (probe) => probe.currentTime > 0.5);
  await setRate(first.page, rate1);
  const end1 = await first.waitFor('played to the end', (probe) => probe.ended, timeoutMs);

  const second = await openViewer(browser, url, { name: 'viewer 2', setup });
  opened.add(second);
  const playing = await second.waitFor('playing', (probe) => probe.currentTime > 0.5);
  const target = playing.duration * seekTo;
  await second.page.evaluate((time) => {
    (document.querySelector('video') as HTMLVideoElement).currentTime = time;
  }, target);
  await second.waitFor(`past the seek to ${target.toFixed(1)} s`, (probe) => probe.currentTime > target);
  await setRate(second.page, rate2);
  const end2 = await second.waitFor('played to the end', (probe) => probe.ended, timeoutMs);
  // Viewer 1 again: what it uploaded to viewer 2.
  const after1 = await first.probe();

  const stats = end2.stats as PeerlaneStats;
  return {
    first,
    second,
    end1: after1,
    end2,
    loads2: await readSegmentLoads(second.page),
    share: stats.p2pBytes / Math.max(1, segmentBytes(stats)),
    diagnostics: () => [...first.log(), ...second.log()].join('\n'),
  };
}

/** One line for the test output: viewer 2's share and where its bytes came from. */
export function describeSwarm(label: string, { share, end1, end2 }: SwarmResult): string {
  const stats = end2.stats as PeerlaneStats;
  return (
    `${label}: viewer 2 got ${(100 * share).toFixed(1)} % of ${segmentBytes(stats)} media bytes from peers ` +
    `(http ${stats.httpBytes}, p2p ${stats.p2pBytes}, cache ${stats.cacheBytes}); ` +
    `viewer 1 uploaded ${end1.stats?.uploadedBytes ?? 0}`
  );
}

function setRate(page: Page, rate: number): Promise<void> {
  return page.evaluate((value) => {
    (document.querySelector('video') as HTMLVideoElement).playbackRate = value;
  }, rate);
}
