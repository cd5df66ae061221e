import { describe, expect, it } from 'vitest';
import type { LoadedResource } from '../../protocol/bridge/bridge-messages';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { defaultWorkerSettings } from '../../sw/worker/config';
import type { IndexRecord } from '../../sw/worker/index-records';
import { manifestAdopter } from '../../sw/worker/manifest-adoption';
import type { ManifestJob } from '../../sw/worker/manifest-tracker';
import type { Route } from '../../sw/worker/request-classifier';

const CDN = 'https://cdn.example/live';

/** Each URL loaded before control, with no size (as said again on a new port). */
const loaded = (...urls: string[]): LoadedResource[] => urls.map((url) => ({ url, bytes: 0, ms: 0 }));

function ref(url: string): SegmentRef {
  return { id: url, swarm: `${CDN}/360p`, url, range: null, durationSec: 2, sequence: 1 } as SegmentRef;
}

/**
 * As the worker: playlists by extension; a `.ts` is a known segment once a playlist was read (`readFirst`), or
 * always; everything else passes.
 */
function deps(known: string[] = [], { readFirst = false } = {}) {
  const served: ManifestJob[] = [];
  const cancelled: string[] = [];
  const delivered: Array<{ clientId: string; id: string; source: string; bytes: number; ms: number }> = [];
  return {
    served,
    cancelled,
    delivered,
    deps: {
      classify: (request: Request): Route => {
        if (request.url.endsWith('.m3u8')) return { kind: 'manifest' };
        if (request.url.endsWith('.ts') && (!readFirst || served.length > 0))
          return { kind: 'segment', match: { ref: ref(request.url), exact: true } };
        return { kind: 'pass', reason: 'unknown' };
      },
      index: { get: (url: string) => (known.includes(url) ? ({} as IndexRecord) : undefined) },
      settings: () => defaultWorkerSettings,
      tracker: {
        serve: async (job: ManifestJob) => {
          // Read later than the next report arrives: the adopter must still take that report after this one.
          await new Promise((resolve) => setTimeout(resolve, 20));
          served.push(job);
          const body = new ReadableStream({ cancel: () => void cancelled.push(job.request.url) });
          return new Response(body);
        },
      },
      sources: {
        delivered: (clientId: string, segment: SegmentRef, source: string, bytes: number, ms: number) =>
          void delivered.push({ clientId, id: segment.id, source, bytes, ms }),
      },
    },
  };
}

describe('manifestAdopter', () => {
  it('reads each unknown manifest once, as a CORS request of that page, and drops the body', async () => {
    const { served, cancelled, delivered, deps: adoption } = deps([`${CDN}/known.m3u8`]);
    const resources = loaded(
      `${CDN}/master.m3u8`,
      `${CDN}/360p/index.m3u8`,
      `${CDN}/master.m3u8`,
      `${CDN}/known.m3u8`,
      `${CDN}/360p/seg-001.ts`,
      'https://example.com/config.json',
      'not a url',
    );
    await manifestAdopter(adoption)('page-1', resources);
    expect(served.map((job) => job.request.url)).toEqual([`${CDN}/master.m3u8`, `${CDN}/360p/index.m3u8`]);
    expect(served.every((job) => job.clientId === 'page-1' && job.request.mode === 'cors')).toBe(true);
    expect(served.every((job) => !job.sniff)).toBe(true);
    expect(cancelled.sort()).toEqual([`${CDN}/360p/index.m3u8`, `${CDN}/master.m3u8`]);
    // Said without sizes (again, on a new port): nothing counted twice.
    expect(delivered).toEqual([]);
  });

  it('reports the known segments among them as delivered from the network, after their playlist is read', async () => {
    const { delivered, deps: adoption } = deps([], { readFirst: true });
    const adopt = manifestAdopter(adoption);
    const first = adopt('page-1', [
      { url: `${CDN}/360p/index.m3u8`, bytes: 400, ms: 30 },
      { url: `${CDN}/360p/seg-001.ts`, bytes: 250_000, ms: 120 },
    ]);
    // Completed after the welcome: reported alone, while the playlist is still being read.
    const second = adopt('page-1', [
      { url: `${CDN}/360p/seg-002.ts`, bytes: 260_000, ms: 90 },
      { url: 'https://example.com/logo.png', bytes: 5_000, ms: 10 },
      { url: `${CDN}/360p/seg-003.ts`, bytes: 0, ms: 0 },
    ]);
    await Promise.all([first, second]);
    expect(delivered).toEqual([
      { clientId: 'page-1', id: `${CDN}/360p/seg-001.ts`, source: 'http', bytes: 250_000, ms: 120 },
      { clientId: 'page-1', id: `${CDN}/360p/seg-002.ts`, source: 'http', bytes: 260_000, ms: 90 },
    ]);
  });

  it('a report that fails does not stop the ones after it', async () => {
    const { served, deps: adoption } = deps();
    const failing = {
      ...adoption,
      sources: {
        delivered: () => {
          throw new Error('bridge gone');
        },
      },
    };
    const adopt = manifestAdopter(failing);
    await expect(adopt('page-1', [{ url: `${CDN}/360p/seg-001.ts`, bytes: 9, ms: 1 }])).rejects.toThrow();
    await adopt('page-1', loaded(`${CDN}/next.m3u8`));
    expect(served.map((job) => job.request.url)).toEqual([`${CDN}/next.m3u8`]);
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
    const adopt = manifestAdopter(failing);
    await expect(adopt('page-1', loaded(`${CDN}/down.m3u8`, `${CDN}/up.m3u8`))).resolves.toBeUndefined();
    // The next report is still taken.
    await adopt('page-1', loaded(`${CDN}/next.m3u8`));
    expect(seen).toEqual([`${CDN}/down.m3u8`, `${CDN}/up.m3u8`, `${CDN}/next.m3u8`]);
  });
});
