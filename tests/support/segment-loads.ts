// Records every Peerlane 'segment-loaded' event of a page from its first script on, so a test can count bytes per
// swarm (rendition) and source: what Peerlane.stats() sums up, broken down.
import type { Page } from 'puppeteer';
import type { PeerlaneEvents } from '../../sw/agent/index';

export type SegmentLoad = Pick<PeerlaneEvents['segment-loaded'], 'source' | 'bytes'> & {
  swarm: string;
  url: string;
};

/** Call before the page loads: subscribes as soon as /peerlane.js defines window.Peerlane. */
export function recordSegmentLoads(page: Page): Promise<unknown> {
  return page.evaluateOnNewDocument(() => {
    const loads: SegmentLoad[] = [];
    let peerlane: unknown;
    (window as unknown as { __segmentLoads: SegmentLoad[] }).__segmentLoads = loads;
    // peerlane.js is a classic script declaring `var Peerlane = …`: on an existing global property that is an
    // assignment, so this setter sees the API the moment it exists, before any page code can call start().
    Object.defineProperty(window, 'Peerlane', {
      configurable: true,
      get: () => peerlane,
      set(api: {
        on(name: 'segment-loaded', listener: (event: PeerlaneEvents['segment-loaded']) => void): void;
      }) {
        peerlane = api;
        api.on('segment-loaded', ({ segment, source, bytes }) => {
          loads.push({ swarm: segment.swarm, url: segment.url, source, bytes });
        });
      },
    });
  });
}

export function readSegmentLoads(page: Page): Promise<SegmentLoad[]> {
  return page.evaluate(() => (window as unknown as { __segmentLoads?: SegmentLoad[] }).__segmentLoads ?? []);
}
