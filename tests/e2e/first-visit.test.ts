// A first visit: the tag's data-sw installs the worker while the page loads, so the start() the page calls later
// (once it knows its signal server) finds it in control and resolves at the worker's welcome, and the player's
// requests all go through the worker. The CDN-only page (p2p=off) carries no Peerlane at all.
import type { HTTPResponse } from 'puppeteer';
import { expect, it } from 'vitest';
import { PEERLANE_DEFAULTS } from '../../sw/agent/config';
import { useBrowserStack } from '../support/browser-stack';

const suite = useBrowserStack();

const isMedia = (response: HTTPResponse) => /\/media\/hls\/.*\.(m3u8|ts)$/.test(response.url());

it('installs the worker while the page loads; start() resolves at the welcome and the player goes through it', async () => {
  const media: HTTPResponse[] = [];
  const viewer = await suite.open(suite.stack.pageUrl({ level: 1 }), {
    name: 'first visit',
    setup: async (page) => {
      page.on('response', (response) => {
        if (isMedia(response)) media.push(response);
      });
    },
  });
  const end = await viewer.waitFor(
    'playing',
    (probe) => probe.firstPlayAt !== null && probe.segments.length >= 2,
  );
  const { phases } = end;
  expect(viewer.problems(), viewer.log().join('\n')).toEqual([]);
  expect(Object.keys(phases)).toEqual(
    expect.arrayContaining(['sw-register-early', 'start', 'sw-controlled', 'welcome', 'ready']),
  );
  expect(phases['sw-register-early'], 'registration began before start()').toBeLessThan(
    phases.start as number,
  );
  // A welcome lost to a second hello (the worker's hello-request, queued while the page was controlled before
  // start()) used to leave start() waiting for controlTimeoutMs (10 s).
  expect((phases.ready as number) - (phases.start as number)).toBeLessThan(
    PEERLANE_DEFAULTS.controlTimeoutMs / 4,
  );
  expect(media.length, 'playlists and segments seen').toBeGreaterThanOrEqual(4);
  expect(
    media.filter((response) => !response.fromServiceWorker()).map((response) => response.url()),
    'media the worker did not answer',
  ).toEqual([]);
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
