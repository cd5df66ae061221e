// Before the worker knows a page's settings: what may be media waits for them (briefly), the rest never does;
// and manifests a player loaded before the worker took control are read once handed over.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultWorkerSettings } from '../../sw/worker/config';
import { adoptLoads } from '../../sw/worker/load-adoption';
import { classifyRequest, mayBeMedia, type RequestFacts } from '../../sw/worker/request-classifier';
import { SegmentIndex } from '../../sw/worker/segment-index';
import { SettingsGate } from '../../sw/worker/settings-gate';

const ORIGIN = 'https://site.example';
const CDN = 'https://cdn.example.com';
const CDN_SETTINGS = { ...defaultWorkerSettings, mediaUrls: [`${CDN}/`] };

function request(url: string, destination: RequestDestination = ''): RequestFacts {
  return {
    method: 'GET',
    url,
    mode: 'cors',
    credentials: 'same-origin',
    destination,
    headers: new Headers(),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('mayBeMedia', () => {
  it('holds manifests and segments by extension, anywhere, and what a media element loads', () => {
    expect(mayBeMedia(request(`${CDN}/live/index.m3u8`), ORIGIN)).toBe(true);
    expect(mayBeMedia(request(`${CDN}/live/seg-1.ts?token=x`), ORIGIN)).toBe(true);
    expect(mayBeMedia(request(`${CDN}/dash/manifest.mpd`), ORIGIN)).toBe(true);
    expect(mayBeMedia(request(`${CDN}/film`, 'video'), ORIGIN)).toBe(true);
  });

  it('never holds a page’s other requests', () => {
    expect(mayBeMedia(request(`${CDN}/api/user.json`), ORIGIN)).toBe(false);
    expect(mayBeMedia(request(`${CDN}/logo.png`, 'image'), ORIGIN)).toBe(false);
    expect(mayBeMedia(request(`${CDN}/app.js`, 'script'), ORIGIN)).toBe(false);
    expect(mayBeMedia({ ...request(`${CDN}/a.m3u8`), method: 'POST' }, ORIGIN)).toBe(false);
  });
});

describe('SettingsGate', () => {
  it('knows the saved settings once loaded, and a page’s hello wins over them however late they load', async () => {
    const gate = new SettingsGate(defaultWorkerSettings, 500, () => {});
    expect(gate.isKnown).toBe(false);
    gate.greeted(CDN_SETTINGS);
    await gate.whenKnown();
    gate.restored({ ...defaultWorkerSettings, mediaUrls: ['/old/'] });
    expect(gate.settings.mediaUrls).toEqual([`${CDN}/`]);

    const restarted = new SettingsGate(defaultWorkerSettings, 500, () => {});
    restarted.restored(CDN_SETTINGS);
    expect(restarted.isKnown).toBe(true);
    expect(restarted.settings.mediaUrls).toEqual([`${CDN}/`]);
  });

  it('on a first install waits for the first hello, and falls back to the defaults after the bound', async () => {
    vi.useFakeTimers();
    const timedOut = vi.fn();
    const gate = new SettingsGate(defaultWorkerSettings, 500, timedOut);
    gate.restored(undefined);
    expect(gate.isKnown).toBe(false);
    vi.advanceTimersByTime(499);
    expect(gate.isKnown).toBe(false);
    vi.advanceTimersByTime(1);
    await gate.whenKnown();
    expect(timedOut).toHaveBeenCalledWith(500);
    expect(gate.settings).toBe(defaultWorkerSettings);
  });
});

describe('adoptLoads', () => {
  it('reads the manifests first, then the segments they list, and nothing the worker would not handle', async () => {
    const index = new SegmentIndex({ maxPlaylists: 8, maxSegmentsPerPlaylist: 100, liveRetainWindows: 2 });
    const classify = (req: Request) =>
      classifyRequest(req, {
        origin: ORIGIN,
        settings: CDN_SETTINGS,
        index,
        limits: { maxProgressiveResponseBytes: 4 * 1024 * 1024 },
      });
    const done: string[] = [];
    const serveManifest = vi.fn(async (job: { request: Request; clientId: string }) => {
      done.push(`manifest ${job.clientId} ${job.request.url} ${job.request.cache}`);
      // What the tracker does with a media playlist: its segments become known.
      index.add({
        kind: 'media',
        url: job.request.url,
        swarm: 'swarm-360p',
        playerUrl: job.request.url,
        live: false,
        segments: [0, 1].map((sequence) => {
          const url = `${CDN}/vod/360p/seg-${sequence}.ts`;
          return { id: url, swarm: 'swarm-360p', url, range: null, durationSec: 2, sequence };
        }),
        keyUrls: [],
        updatedAt: 1,
      });
      return new Response('#EXTM3U');
    });
    const adoptSegment = vi.fn(async (job: { request: Request; clientId: string }) => {
      done.push(`segment ${job.clientId} ${job.request.url}`);
    });
    await adoptLoads({ classify, serveManifest, adoptSegment }, 'page-1', [
      `${CDN}/vod/360p/seg-0.ts`,
      `${CDN}/vod/360p/index.m3u8`,
      `${ORIGIN}/elsewhere/index.m3u8`,
      `${CDN}/vod/360p/seg-9.ts`,
      'not a url',
    ]);
    expect(done).toEqual([
      `manifest page-1 ${CDN}/vod/360p/index.m3u8 force-cache`,
      `segment page-1 ${CDN}/vod/360p/seg-0.ts`,
    ]);
  });
});
