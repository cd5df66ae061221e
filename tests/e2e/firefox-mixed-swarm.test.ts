// A Chromium viewer and a Firefox viewer of one fMP4 HLS stream share segments in both directions over WebRTC data
// channels (PeerJS 'raw' channels carrying 16 KiB frames, within both browsers' SCTP message size): Chromium plays
// the first third and pauses; Firefox plays it all, the start from Chromium and the rest from the network; then
// Chromium finishes, from Firefox.
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { launchFirefox } from '../support/firefox';
import { originMismatches } from '../support/origin-bytes';
import { playbackStalls } from '../support/playback-stalls';
import { PLAY_TIMEOUT_MS, setRate, VIEWER_RATE } from '../support/player-swarm';
import { type Stack, startStack } from '../support/stack';
import { openViewer, segmentBytes, type Viewer } from '../support/viewer';

/** 360p pinned; a 6 s buffer goal, so the paused Chromium viewer holds only the start of the 30 s stream. */
const PAGE = { page: 'hls.js', format: 'fmp4', level: 1, buffer: 6 };
/** Where Chromium pauses, as a fraction of the duration. */
const PAUSE_AT = 1 / 3;
/** Each viewer's least share of its media bytes from the other (measured: see the log line). */
const MIN_SHARE = 0.25;

let stack: Stack | undefined;
let chromium: Browser | undefined;
let firefox: Browser | undefined;
const viewers: Viewer[] = [];

beforeAll(async () => {
  [stack, chromium, firefox] = await Promise.all([startStack(), launchChromium(), launchFirefox()]);
});
afterAll(async () => {
  await Promise.all(viewers.map((viewer) => viewer.close()));
  await Promise.all([chromium?.close(), firefox?.close()]);
  await stack?.close();
});

it('a Chromium and a Firefox viewer each play segments received from the other', async () => {
  if (!stack || !chromium || !firefox) throw new Error('the suite has not started');
  const url = stack.pageUrl(PAGE);
  const open = async (browser: Browser, name: string) => {
    const viewer = await openViewer(browser, url, { name });
    viewers.push(viewer);
    return viewer;
  };
  const video = (viewer: Viewer, action: 'pause' | 'play') =>
    viewer.page.evaluate(async (what) => {
      const element = document.querySelector('video') as HTMLVideoElement;
      await (what === 'pause' ? element.pause() : element.play());
    }, action);

  const first = await open(chromium, 'chromium');
  const started = await first.waitFor('playing', (probe) => probe.currentTime > 0.5);
  await setRate(first.page, VIEWER_RATE);
  const pauseAt = started.duration * PAUSE_AT;
  await first.waitFor(`past ${pauseAt.toFixed(1)} s`, (probe) => probe.currentTime > pauseAt);
  await video(first, 'pause');

  const second = await open(firefox, 'firefox');
  await second.waitFor('playing', (probe) => probe.currentTime > 0.5);
  await setRate(second.page, VIEWER_RATE);
  const end2 = await second.waitFor('played to the end', (probe) => probe.ended, PLAY_TIMEOUT_MS);

  await video(first, 'play');
  const end1 = await first.waitFor('played to the end', (probe) => probe.ended, PLAY_TIMEOUT_MS);

  const stats1 = end1.stats;
  const stats2 = (await second.probe()).stats;
  if (!stats1 || !stats2) throw new Error('Peerlane did not start');
  const share = (stats: typeof stats1) => stats.p2pBytes / Math.max(1, segmentBytes(stats));
  console.log(
    `mixed swarm: chromium got ${(100 * share(stats1)).toFixed(1)} % of ${segmentBytes(stats1)} media bytes ` +
      `from firefox (p2p ${stats1.p2pBytes}, uploaded ${stats1.uploadedBytes}); firefox got ` +
      `${(100 * share(stats2)).toFixed(1)} % of ${segmentBytes(stats2)} from chromium (p2p ${stats2.p2pBytes}, ` +
      `uploaded ${stats2.uploadedBytes})`,
  );
  const diagnostics = [...first.log(), ...second.log()].join('\n');
  // Each received from the other, and each uploaded at least what the other received (they have no other peer).
  expect(share(stats2), `firefox's share from chromium\n${diagnostics}`).toBeGreaterThanOrEqual(MIN_SHARE);
  expect(share(stats1), `chromium's share from firefox\n${diagnostics}`).toBeGreaterThanOrEqual(MIN_SHARE);
  expect(stats1.uploadedBytes, 'chromium uploaded what firefox got from peers').toBeGreaterThanOrEqual(
    stats2.p2pBytes,
  );
  expect(stats2.uploadedBytes, 'firefox uploaded what chromium got from peers').toBeGreaterThanOrEqual(
    stats1.p2pBytes,
  );
  for (const [viewer, end] of [
    [first, end1],
    [second, end2],
  ] as const) {
    expect(viewer.problems(), `${viewer.name}: errors\n${diagnostics}`).toEqual([]);
    expect(end.mediaErrors, `${viewer.name}: media errors`).toEqual([]);
    expect(playbackStalls(end), `${viewer.name}: stalls\n${diagnostics}`).toBe(0);
    expect(end.segments.length, `${viewer.name}: segments captured`).toBeGreaterThan(0);
    expect(
      originMismatches(end.segments, stack.origin.config.mediaDir),
      `${viewer.name}: wrong bytes`,
    ).toEqual([]);
  }
});
