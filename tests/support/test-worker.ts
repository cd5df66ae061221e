// Builds the service worker with its test hooks on (sw/worker/test-hooks.ts) into a stack's private dist, so a
// browser test can make it fail on purpose and read its warnings. The release build (dist/peerlane-sw.js) has neither.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'puppeteer';
// @ts-expect-error build-targets.mjs is plain JavaScript, shared with build.mjs.
import { common, workerTarget } from '../../build-targets.mjs';
import { FAULT_PARAM, type FaultPoint, TEST_LOG_MESSAGE } from '../../sw/worker/test-hooks';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Writes `<distDir>/peerlane-sw.js` with the hooks on (use `startStack({ privateDist: true })`'s distDir). */
export async function buildTestWorker(distDir: string): Promise<void> {
  await build({
    ...common,
    ...workerTarget,
    absWorkingDir: ROOT,
    outfile: join(distDir, 'peerlane-sw.js'),
    define: { PEERLANE_TEST_HOOKS: 'true' },
  });
}

/** `url` with the query parameter that makes the test worker fail at `point` for it. */
export function withForcedFault(url: string, point: FaultPoint): string {
  const faulty = new URL(url);
  faulty.searchParams.set(FAULT_PARAM, point);
  return faulty.href;
}

/** Viewer setup: the test worker's warnings become page console lines ("[peerlane-sw] <code>: …"). */
export async function echoWorkerLogs(page: Page): Promise<void> {
  await page.evaluateOnNewDocument((type: string) => {
    navigator.serviceWorker?.addEventListener('message', (event: MessageEvent) => {
      if (event.data?.type === type) console.log(String(event.data.line));
    });
  }, TEST_LOG_MESSAGE);
}
