// A first visit: start() resolves at once and Peerlane starts its own part (the worker's install, the signal
// server) once the player plays its first frame, so the player starts alone; the worker then takes over, reading
// again the playlists the player loaded before it. The CDN-only page (p2p=off) carries no Peerlane at all.
import { expect, it } from 'vitest';
import { useBrowserStack } from '../support/browser-stack';
import { waitUntil } from '../support/wait-until';

const suite = useBrowserStack();

/** A short buffer keeps hls.js asking for segments after the worker took control. */
const BUFFER_SEC = 4;

it('the player starts alone; then the worker takes over and knows the playlists loaded before it', async () => {
  const viewer = await suite.open(suite.stack.pageUrl({ level: 1, buffer: BUFFER_SEC, wait: 'playback' }), {
    name: 'first visit',
  });
  const end = await viewer.waitFor(
    'playing, with segments delivered through the worker',
    (probe) =>
      probe.firstPlayAt !== null &&
      (probe.stats?.httpBytes ?? 0) + (probe.stats?.p2pBytes ?? 0) + (probe.stats?.cacheBytes ?? 0) > 0,
  );
  const { phases, firstPlayAt } = end;
  expect(viewer.problems(), viewer.log().join('\n')).toEqual([]);
  expect(Object.keys(phases)).toEqual(
    expect.arrayContaining(['start', 'ready', 'sw-registered', 'sw-controlled', 'welcome', 'signal-open']),
  );
  expect((phases.ready as number) - (phases.start as number), 'start() held the player (ms)').toBeLessThan(
    20,
  );
  for (const phase of ['sw-registered', 'signal-open'])
    expect(phases[phase], `${phase} after the first frame`).toBeGreaterThan(firstPlayAt as number);
  // After control, every media request went through the worker; the ones before are the network's.
  const media = await viewer.page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((entry) => /\/media\/hls\/.*\.(m3u8|ts)$/.test(entry.name))
      .map((entry) => ({
        url: entry.name,
        startTime: entry.startTime,
        worker: (entry as PerformanceResourceTiming).workerStart > 0,
      })),
  );
  const controlledAt = phases['sw-controlled'] as number;
  expect(
    media.filter((entry) => entry.startTime > controlledAt && !entry.worker).map((entry) => entry.url),
    'media requested after control that the worker did not see',
  ).toEqual([]);
  expect(
    media.filter((entry) => entry.startTime < controlledAt && entry.url.endsWith('.m3u8')).length,
    'playlists loaded before control',
  ).toBeGreaterThan(0);
  // Peerlane.stats() counts every segment byte the player got, those it loaded before control included (the worker
  // credits them once it read their playlist again): it catches up with hls.js's own count.
  const counts = () =>
    viewer.page.evaluate(() => {
      const { hls, Peerlane } = window as unknown as {
        hls: { levels: Array<{ details?: { fragments: Array<{ stats: { loaded: number } }> } }> };
        Peerlane: { stats(): { httpBytes: number; p2pBytes: number; cacheBytes: number } };
      };
      const fragments = hls.levels.flatMap((level) => level.details?.fragments ?? []);
      const stats = Peerlane.stats();
      return {
        player: fragments.reduce((sum, fragment) => sum + fragment.stats.loaded, 0),
        peerlane: stats.httpBytes + stats.p2pBytes + stats.cacheBytes,
      };
    });
  const last = await waitUntil(
    'Peerlane.stats() caught up with the player',
    counts,
    ({ peerlane, player }) => peerlane >= player,
    { timeoutMs: 15_000 },
  );
  expect(last.peerlane, 'segment bytes Peerlane.stats() counts, against the player').toBeGreaterThanOrEqual(
    last.player,
  );
});

it('the CDN-only page (p2p=off) loads no Peerlane and registers no worker', async () => {
  const viewer = await suite.open(suite.stack.pageUrl({ level: 1, p2p: false }), { name: 'CDN only' });
  const end = await viewer.waitFor('playing', (probe) => probe.firstPlayAt !== null);
  const page = await viewer.page.evaluate(async () => ({
    peerlane: 'Peerlane' in window,
    controller: navigator.serviceWorker.controller !== null,
    registrations: (await navigator.serviceWorker.getRegistrations()).length,
  }));
  expect(viewer.problems()).toEqual([]);
  expect(end.phases).toEqual({});
  expect(page).toEqual({ peerlane: false, controller: false, registrations: 0 });
});
