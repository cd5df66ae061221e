// A worker that fails on purpose in Firefox (the test build's hooks, sw/worker/test-hooks.ts): a plain <video> still
// plays the whole file, from the network, with no failed load — as it would without Peerlane. Without the fallbacks
// Firefox shows "A ServiceWorker passed a promise to FetchEvent.respondWith() that rejected" and media error 4
// (answer fault), or "A ServiceWorker intercepted the request and encountered an unexpected error" (body fault).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FaultPoint } from '../../sw/worker/test-hooks';
import { launchFirefox } from '../support/firefox';
import { seed } from '../support/player-swarm';
import { type Stack, startStack } from '../support/stack';
import { buildTestWorker, echoWorkerLogs, withForcedFault } from '../support/test-worker';
import { openViewer, type Probe, type Viewer } from '../support/viewer';

const FILE = 'progressive/movie.mp4';

let stack: Stack | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ privateDist: true }), launchFirefox({ peers: false })]);
  await buildTestWorker(stack.distDir);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

// The two run at once, a viewer each (half the wall time): each fault touches only its own file URL.
it.concurrent.each<[FaultPoint, string]>([
  ['answer', 'each answer fails before it exists, the network answers the request'],
  ['body', 'each assembled 206 loses its parts after the first, the network sends the rest'],
])('Firefox, %s fault (%s): the <video> plays to the end without an error', async (point) => {
  if (!stack || !browser) throw new Error('the suite has not started');
  const src = withForcedFault(`${stack.origin.url}/media/${FILE}`, point);
  const viewer = await openViewer(browser, stack.pageUrl({ page: 'video', src }), {
    name: `firefox (${point} fault)`,
    setup: echoWorkerLogs,
  });
  try {
    expectRecovered(viewer, await seed(viewer), point, stack.origin.config.mediaDir);
  } finally {
    await viewer.close();
  }
});

function expectRecovered(viewer: Viewer, end: Probe, point: FaultPoint, mediaDir: string): void {
  const log = viewer.log();
  const diagnostics = log.join('\n');
  // Page errors included: Firefox reports every failed worker answer as one.
  expect(viewer.problems(), `errors\n${diagnostics}`).toEqual([]);
  expect(end.mediaErrors, 'media errors').toEqual([]);
  expect(end.ended, 'reached the end').toBe(true);
  // The fault did fire, and the worker said how it recovered.
  const recovered = log.filter((line) => line.includes('route-failed') && line.includes(`'${point}'`));
  expect(recovered.length, `worker warnings for the forced fault\n${diagnostics}`).toBeGreaterThan(0);
  expect(end.stats?.p2pBytes, 'bytes from peers').toBe(0);
  // An answer that failed before it existed is not Peerlane's delivery; a rescued body is, every byte once.
  const size = statSync(join(mediaDir, FILE)).size;
  expect(end.stats?.httpBytes, 'bytes delivered through Peerlane').toBe(point === 'answer' ? 0 : size);
}
