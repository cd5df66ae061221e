import { describe, expect, it } from 'vitest';
import { defaultWorkerSettings } from '../../sw/worker/config';
import type { IndexRecord } from '../../sw/worker/index-records';
import { adoptManifests } from '../../sw/worker/manifest-adoption';
import type { ManifestJob } from '../../sw/worker/manifest-tracker';
import type { Route } from '../../sw/worker/request-classifier';

const CDN = 'https://cdn.example/live';

function deps(known: string[] = []) {
  const served: ManifestJob[] = [];
  const cancelled: string[] = [];
  return {
    served,
    cancelled,
    deps: {
      // As the worker's classifier: playlists by extension, everything else passes.
      classify: (request: Request): Route =>
        request.url.endsWith('.m3u8') ? { kind: 'manifest' } : { kind: 'pass', reason: 'unknown' },
      index: { get: (url: string) => (known.includes(url) ? ({} as IndexRecord) : undefined) },
      settings: () => defaultWorkerSettings,
      tracker: {
        serve: async (job: ManifestJob) => {
          served.push(job);
          const body = new ReadableStream({ cancel: () => void cancelled.push(job.request.url) });
          return new Response(body);
        },
      },
    },
  };
}

describe('adoptManifests', () => {
  it('reads each unknown manifest once, as a CORS request of that page, and drops the body', async () => {
    const { served, cancelled, deps: adoption } = deps([`${CDN}/known.m3u8`]);
    const urls = [
      `${CDN}/master.m3u8`,
      `${CDN}/360p/index.m3u8`,
      `${CDN}/master.m3u8`,
      `${CDN}/known.m3u8`,
      `${CDN}/360p/seg-001.ts`,
      'https://example.com/config.json',
      'not a url',
    ];
    await adoptManifests(urls, 'page-1', adoption);
    expect(served.map((job) => job.request.url)).toEqual([`${CDN}/master.m3u8`, `${CDN}/360p/index.m3u8`]);
    expect(served.every((job) => job.clientId === 'page-1' && job.request.mode === 'cors')).toBe(true);
    expect(served.every((job) => !job.sniff)).toBe(true);
    expect(cancelled.sort()).toEqual([`${CDN}/360p/index.m3u8`, `${CDN}/master.m3u8`]);
  });

  it('a manifest the network fails on costs nothing but itself', async () => {
    const { deps: adoption } = deps();
    const seen: string[] = [];
    const failing = {
      ...adoption,
      tracker: {
        serve: async (job: ManifestJob) => {
          seen.push(job.request.url);
          if (job.request.url.includes('down')) throw new TypeError('Failed to fetch');
          return new Response('#EXTM3U');
        },
      },
    };
    await expect(
      adoptManifests([`${CDN}/down.m3u8`, `${CDN}/up.m3u8`], 'page-1', failing),
    ).resolves.toBeUndefined();
    expect(seen).toEqual([`${CDN}/down.m3u8`, `${CDN}/up.m3u8`]);
  });
});
