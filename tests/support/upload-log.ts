// Counts, in a viewer's page, the segments it sent to each peer (Peerlane's 'segment-uploaded' events): who served
// whom in a swarm test.
import type { Page } from 'puppeteer';

type Uploads = Record<string, number>;

/** Starts counting now (call once the page has loaded /peerlane.js). */
export async function recordUploads(page: Page): Promise<void> {
  await page.evaluate(() => {
    const counts: Uploads = {};
    const state = window as unknown as {
      __uploadsTo: Uploads;
      Peerlane: { on(name: 'segment-uploaded', listener: (event: { peerId: string }) => void): void };
    };
    state.__uploadsTo = counts;
    state.Peerlane.on('segment-uploaded', ({ peerId }) => {
      counts[peerId] = (counts[peerId] ?? 0) + 1;
    });
  });
}

/** Segments sent per peer id since recordUploads. */
export function readUploads(page: Page): Promise<Uploads> {
  return page.evaluate(() => ({ ...(window as unknown as { __uploadsTo?: Uploads }).__uploadsTo }));
}
