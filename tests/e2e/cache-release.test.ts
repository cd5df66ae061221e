// A worker of another Peerlane release empties the segment cache when it activates, so no byte an older release
// stored is served or shared by the new one; an update within the same release keeps the cache.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { expect, it } from 'vitest';
import { version } from '../../package.json';
import { playlistUrl, swarmKey } from '../../sw/worker/segment-id';
import { useBrowserStack } from '../support/browser-stack';
import { cachedSegments } from '../support/segment-cache';
import { segmentBytes, type Viewer } from '../support/viewer';

const suite = useBrowserStack({ privateDist: true });

/** The release mark of the page's segment cache (schema: sw/cache/segment-db.ts). */
function releaseMark(page: Page): Promise<unknown> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const opening = indexedDB.open('peerlane-segments');
        opening.onerror = () => reject(opening.error);
        opening.onsuccess = () => {
          const request = opening.result.transaction('meta').objectStore('meta').get('release');
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            opening.result.close();
            resolve(request.result);
          };
        };
      }),
  );
}

/** What the cache holds: the release mark and the ids of the stream's segments. */
async function readCache(page: Page, swarm: string): Promise<{ ids: string[]; release: unknown }> {
  const entries = await cachedSegments(page, swarm);
  return { ids: entries.map((entry) => entry.id), release: await releaseMark(page) };
}

/** Rewrites the served worker script (a changed byte is an update), then has the page check for it now. */
async function updateWorker(page: Viewer, edit: (script: string) => string): Promise<void> {
  const file = join(suite.stack.distDir, 'peerlane-sw.js');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  const before = (await page.probe()).controllerChanges;
  await page.page.evaluate(async () => {
    await (await navigator.serviceWorker.getRegistration())?.update();
  });
  await page.waitFor('controlled by the updated worker', (probe) => probe.controllerChanges > before);
  // clients.claim() runs inside activation: the new worker controls the page before its activate work is done.
  await page.page.evaluate(async () => {
    const worker = navigator.serviceWorker.controller;
    while (worker && worker.state !== 'activated') {
      await new Promise((changed) => worker.addEventListener('statechange', changed, { once: true }));
    }
  });
}

it('empties the cache when a worker of another release activates, and only then', async () => {
  const segments = suite.stack.segments('360p');
  const streamBytes = segments.reduce((sum, segment) => sum + segment.size, 0);
  const opened = await suite.open(suite.stack.pageUrl({ level: 1 }), { name: 'viewer' });
  await opened.waitFor('holding the whole stream', (probe) => segmentBytes(probe.stats) >= streamBytes);
  const swarm = await swarmKey(playlistUrl(`${suite.stack.origin.url}/media/hls/360p/index.m3u8`, []));
  const filled = await readCache(opened.page, swarm);
  expect(filled.release, 'the first worker marked the cache as its release').toBe(version);
  expect(filled.ids.length, 'segments cached').toBeGreaterThanOrEqual(segments.length);

  // Same release, another build (a fix deployed without a version bump): the cache stays.
  await updateWorker(opened, (script) => `${script}\n// rebuilt at ${Date.now()}\n`);
  const kept = await readCache(opened.page, swarm);
  expect(kept.release).toBe(version);
  expect(kept.ids, 'segments kept across a same-release update').toEqual(expect.arrayContaining(filled.ids));

  // Another release: its worker empties the cache before it serves anything.
  const next = `${version}-next`;
  await updateWorker(opened, (script) => {
    const declared = `="${version}";`;
    expect(script.split(declared).length - 1, 'the release declared once in the worker').toBe(1);
    return script.replace(declared, `="${next}";`);
  });
  const emptied = await readCache(opened.page, swarm);
  expect(emptied.release, 'the new worker marked the cache').toBe(next);
  expect(
    emptied.ids.filter((id) => filled.ids.includes(id)),
    'segments of the old release left',
  ).toEqual([]);
  expect(opened.problems(), opened.log().join('\n')).toEqual([]);
});
