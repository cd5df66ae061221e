// A viewer whose storage quota is smaller than the stream (CDP Storage.overrideQuotaForOrigin): Chromium aborts
// cache writes with QuotaExceededError, the segment store evicts and retries, and playback never notices; the
// newest segments stay cached and are still shared with a second viewer of the same swarm.
import type { CDPSession } from 'puppeteer';
import { expect, it } from 'vitest';
import { playlistUrl, swarmKey } from '../../sw/worker/segment-id';
import { useBrowserStack } from '../support/browser-stack';
import { expectCleanPlayback } from '../support/clean-playback';
import { cachedSegments } from '../support/segment-cache';
import { segmentBytes } from '../support/viewer';

const LEVEL = 1;
const RENDITION = '360p';
/**
 * The whole origin's quota (worker script, worker state and segment cache together): 2 MiB, a little over half
 * of the 3.6 MB rendition, so the cache must evict to go on storing.
 */
const QUOTA_BYTES = 2 * 1024 * 1024;

const suite = useBrowserStack();

it('keeps playing and sharing when the storage quota is smaller than the stream', async () => {
  const segments = suite.stack.segments(RENDITION);
  const streamBytes = segments.reduce((sum, segment) => sum + segment.size, 0);
  expect(QUOTA_BYTES, 'the quota is smaller than the stream').toBeLessThan(streamBytes);
  const url = suite.stack.pageUrl({ level: LEVEL });
  const origin = suite.stack.origin.url;

  let storage: CDPSession | undefined;
  const first = await suite.open(url, {
    name: 'viewer 1 (small quota)',
    setup: async (page) => {
      storage = await page.createCDPSession();
      await storage.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: QUOTA_BYTES });
    },
  });
  const quota = () => (storage as CDPSession).send('Storage.getUsageAndQuota', { origin });
  expect((await quota()).quota, 'the quota override is in force').toBe(QUOTA_BYTES);
  await first.waitFor('holding the whole stream', (probe) => segmentBytes(probe.stats) >= streamBytes);

  const second = await suite.open(url, { name: 'viewer 2' });
  const [end1, end2] = await Promise.all([
    first.waitFor('played to the end', (probe) => probe.ended && probe.pendingDigests === 0, 90_000),
    second.waitFor('played to the end', (probe) => probe.ended && probe.pendingDigests === 0, 90_000),
  ]);

  const swarm = await swarmKey(playlistUrl(`${origin}/media/hls/${RENDITION}/index.m3u8`, []));
  const cached = await cachedSegments(first.page, swarm);
  const cachedBytes = cached.reduce((sum, segment) => sum + segment.size, 0);
  const { usage, usageBreakdown } = await quota();
  const usageOf = (type: string) => usageBreakdown.find((entry) => entry.storageType === type)?.usage ?? 0;
  const stats = end2.stats;
  console.log(
    `viewer 1 cached ${cached.length} of ${segments.length} segments (${cachedBytes} of ${streamBytes} bytes), ` +
      `origin usage ${usage} of ${QUOTA_BYTES} (${usageBreakdown.map((entry) => `${entry.storageType} ${entry.usage}`).join(', ')}); viewer 2: http ${stats?.httpBytes}, p2p ${stats?.p2pBytes}, ` +
      `cache ${stats?.cacheBytes}; viewer 1 uploaded ${end1.stats?.uploadedBytes}`,
  );
  const diagnostics = [...first.log(), ...second.log()].join('\n');

  for (const [viewer, end] of [
    [first, end1],
    [second, end2],
  ] as const) {
    expectCleanPlayback(viewer, end, segments, [first, second]);
    expect(end.segments.length, `${viewer.name}: segments received`).toBeGreaterThanOrEqual(segments.length);
  }
  // Every segment reached viewer 1 through Peerlane: a full cache cost the player nothing.
  expect(segmentBytes(end1.stats)).toBeGreaterThanOrEqual(streamBytes);
  // The cache evicted to stay under the quota, and kept storing: the newest segments are there.
  // (Chromium holds IndexedDB writes to the quota; the worker's script, stored at registration, is not held to it.)
  expect(usageOf('indexeddb'), 'IndexedDB bytes used').toBeLessThanOrEqual(QUOTA_BYTES);
  expect(cachedBytes, 'bytes cached').toBeLessThan(streamBytes);
  expect(cached.length, 'segments cached').toBeGreaterThan(0);
  const cachedPaths = new Set(cached.map((segment) => new URL(segment.id).pathname));
  const newest = segments.slice(-2).map((segment) => segment.path);
  expect(
    newest.filter((path) => cachedPaths.has(path)),
    'the newest segments are cached',
  ).toEqual(newest);
  expect(cachedPaths.has(segments[0]?.path ?? ''), 'the oldest segment was evicted').toBe(false);
  // The page's own cache connection (reads for uploads, recency updates) met no failure it had to report.
  expect(first.log().filter((line) => line.includes('peerlane cache:'))).toEqual([]);
  // What viewer 1 still holds, it shares.
  expect(stats?.p2pBytes, `viewer 2's bytes from peers\n${diagnostics}`).toBeGreaterThan(0);
  expect(end1.stats?.uploadedBytes, 'viewer 1 uploaded what viewer 2 got from peers').toBeGreaterThanOrEqual(
    stats?.p2pBytes ?? 0,
  );
});
