// Makes a viewer press play only once it is connected to given peers (test scenario, the agent is untouched): the
// player's segment requests wait until Peerlane reports a connection to each of them and `afterMs` more (the
// peers' announcements are in by then), then go out in order.
import type { Page } from 'puppeteer';

/** Call before the page loads. `peerIds`: the peers the viewer must be connected to before any segment request. */
export async function playWhenConnected(
  page: Page,
  peerIds: readonly string[],
  afterMs: number,
  segmentPattern: RegExp,
): Promise<void> {
  await page.evaluateOnNewDocument(holdSegmentRequests, [...peerIds], afterMs, segmentPattern.source);
}

/** Runs in the page before its scripts (serialized by puppeteer: no closures). */
function holdSegmentRequests(peerIds: string[], afterMs: number, segmentPattern: string): void {
  const missing = new Set(peerIds);
  let released = false;
  const held: (() => void)[] = [];
  const release = () => {
    released = true;
    for (const send of held.splice(0)) send();
  };
  let api: unknown;
  // peerlane.js declares `var Peerlane`: on an existing global property that is an assignment, so this setter
  // sees the API before any page code can start it.
  Object.defineProperty(window, 'Peerlane', {
    configurable: true,
    get: () => api,
    set(value: { on(name: 'peer-connected', listener: (event: { peerId: string }) => void): void }) {
      api = value;
      value.on('peer-connected', ({ peerId }) => {
        if (missing.delete(peerId) && missing.size === 0) setTimeout(release, afterMs);
      });
    },
  });
  const pattern = new RegExp(segmentPattern);
  const urls = new WeakMap<XMLHttpRequest, string>();
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: Parameters<typeof open>) {
    urls.set(this, String(args[1]));
    return open.apply(this, args);
  } as typeof open;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (
    this: XMLHttpRequest,
    body?: Document | XMLHttpRequestBodyInit | null,
  ) {
    if (released || !pattern.test(urls.get(this) ?? '')) return send.call(this, body);
    held.push(() => send.call(this, body));
  };
}
