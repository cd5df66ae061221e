// Makes a viewer announce its segments again and again (integrity tests only), as a hostile peer that wants to be
// picked would: the agent prefers the holder that announced a segment last (pickHolder in sw/agent/scheduler.ts).
import type { Page } from 'puppeteer';
import { encodeHaveFrames, type HaveEntry } from '../../protocol/peers/peer-wire';

/** Call before the page loads: remembers every data channel the page sends on, until it closes. */
export async function trackDataChannels(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const channels = new Set<RTCDataChannel>();
    (window as unknown as { __dataChannels: Set<RTCDataChannel> }).__dataChannels = channels;
    const send = RTCDataChannel.prototype.send;
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
      if (!channels.has(this)) {
        channels.add(this);
        this.addEventListener('close', () => channels.delete(this));
      }
      return send.call(this, data);
    };
  });
}

/** From now on, every `everyMs` the page sends HAVE frames for `entries` on every open data channel it tracks. */
export async function announceEagerly(
  page: Page,
  swarm: string,
  entries: readonly HaveEntry[],
  everyMs: number,
): Promise<void> {
  const frames = encodeHaveFrames(swarm, entries, false).map((frame) => [...new Uint8Array(frame)]);
  await page.evaluate(
    (bytes, interval) => {
      const channels = (window as unknown as { __dataChannels: Set<RTCDataChannel> }).__dataChannels;
      setInterval(() => {
        for (const channel of channels) {
          if (channel.readyState !== 'open') continue;
          for (const frame of bytes) channel.send(new Uint8Array(frame).buffer);
        }
      }, interval);
    },
    frames,
    everyMs,
  );
}
