// Only the media the site lists in `mediaUrls` goes through Peerlane: a page whose CDN is listed gets its
// playlists and segments from the worker; the same page without it plays straight from the CDN, untouched.
import type { HTTPResponse } from 'puppeteer';
import { expect, it } from 'vitest';
import { useBrowserStack } from '../support/browser-stack';
import { segmentMismatches } from '../support/segment-check';
import { segmentBytes } from '../support/viewer';

const LEVEL = 1;
const RENDITION = '360p';

const suite = useBrowserStack();

it.each([
  // The example pages list where their media is (examples/shared/page-settings.js): here, the CDN.
  ['listed', '', true],
  // `media-urls=/`: this site's own origin only (the worker's default), the CDN is not listed.
  ['not listed', '&media-urls=/', false],
])('the worker answers a CDN only when mediaUrls lists it (%s)', async (_, extra, listed) => {
  const segments = suite.stack.segments(RENDITION);
  const cdn = suite.stack.origin.cdnUrl as string;
  const fromCdn: HTTPResponse[] = [];
  const viewer = await suite.open(suite.stack.pageUrl({ level: LEVEL, cdn: true }) + extra, {
    name: `CDN ${listed ? 'listed' : 'not listed'}`,
    setup: async (page) => {
      page.on('response', (response) => {
        if (response.url().startsWith(`${cdn}/`)) fromCdn.push(response);
      });
    },
  });
  // hls.js buffers 30 s ahead: the whole 30 s rendition arrives without waiting for playback to end.
  const end = await viewer.waitFor(
    'playing with every segment received',
    (probe) =>
      probe.firstPlayAt !== null && probe.segments.length >= segments.length && probe.pendingDigests === 0,
  );
  const started = await viewer.page.evaluate(() =>
    (window as unknown as { Peerlane: { ready: Promise<void> } }).Peerlane.ready.then(() => true),
  );
  await suite.close(viewer);

  const diagnostics = viewer.log().join('\n');
  expect(viewer.problems(), diagnostics).toEqual([]);
  expect(end.mediaErrors).toEqual([]);
  expect(segmentMismatches(end.segments, segments), 'bytes that differ from the origin').toEqual([]);
  expect(
    end.segments.every((segment) => segment.url.startsWith(`${cdn}/`)),
    'the player loaded its segments from the CDN',
  ).toBe(true);
  const playlists = fromCdn.filter((response) => response.url().includes('.m3u8'));
  expect(playlists.length, 'playlist responses seen').toBeGreaterThanOrEqual(2);
  expect(fromCdn.length, 'CDN responses seen').toBeGreaterThanOrEqual(segments.length + 2);
  const answeredByWorker = fromCdn.filter((response) => response.fromServiceWorker()).length;
  if (listed) {
    expect(answeredByWorker, 'CDN responses the worker answered').toBe(fromCdn.length);
    expect(segmentBytes(end.stats), 'segment bytes through Peerlane').toBeGreaterThanOrEqual(
      segments.reduce((sum, segment) => sum + segment.size, 0),
    );
  } else {
    expect(answeredByWorker, 'CDN responses the worker answered').toBe(0);
    expect(segmentBytes(end.stats), 'segment bytes through Peerlane').toBe(0);
    expect(started, 'Peerlane itself started').toBe(true);
  }
});
