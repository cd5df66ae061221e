// Fetching the sidecar a `Peerlane-Hashes` header names: once, again only when a refreshed manifest lists segments
// it lacked, never with a broken sidecar's hashes, and with segment work waiting (boundedly) for one on its way.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { backgroundWork, sidecarWiring } from './worker-fakes';

const ORIGIN = 'https://site.example';
const PLAYLIST = 'https://cdn.example.com/live/720p/index.m3u8';
const SIDECAR = 'https://cdn.example.com/live/peerlane-hashes.json';
const A = 'a'.repeat(64);
const SEG_1 = 'https://cdn.example.com/live/720p/seg-1.ts';
const SEG_2 = 'https://cdn.example.com/live/720p/seg-2.ts';

const ref = (id: string): SegmentRef => ({
  id,
  swarm: PLAYLIST,
  url: id,
  range: null,
  durationSec: 2,
  sequence: 1,
});

function sidecar(...urls: string[]): Response {
  const segments = urls.map((url) => ({ url, size: 10, sha256: A }));
  return new Response(JSON.stringify({ peerlane: 'hashes/1', segments }));
}

function named(header = '../peerlane-hashes.json'): Response {
  return new Response('#EXTM3U', { headers: { 'Peerlane-Hashes': header } });
}

function setup(limits: { hashSidecarRefetchMs?: number; hashSidecarWaitMs?: number } = {}) {
  const fetch = vi.fn<(request: Request) => Promise<Response>>();
  const wiring = sidecarWiring(fetch, ORIGIN, { hashSidecarRefetchMs: 0, ...limits });
  const arrived: string[][] = [];
  wiring.onHashes = (ids) => void arrived.push(ids);
  const work = backgroundWork();
  const discover = (response: Response, listed: string[] = []) =>
    wiring.loader.discover(response, PLAYLIST, listed, work.waitUntil);
  return { ...wiring, fetch, arrived, discover, settled: work.settled };
}

afterEach(() => vi.restoreAllMocks());

describe('SidecarLoader', () => {
  it('fetches the sidecar a response names (relative to it, cors, revalidated) and learns its hashes', async () => {
    const t = setup();
    t.fetch.mockResolvedValue(sidecar('720p/seg-1.ts'));
    t.discover(named());
    await t.settled();
    const [request] = t.fetch.mock.calls.map(([call]) => call);
    expect(request?.url).toBe(SIDECAR);
    expect(request?.mode).toBe('cors');
    expect(request?.credentials).toBe('omit');
    expect(request?.cache).toBe('no-cache');
    expect(t.table.get(SEG_1)).toEqual({ size: 10, sha256: A });
    expect(t.arrived).toEqual([[SEG_1]]);
  });

  it('does nothing for a response without the header', async () => {
    const t = setup();
    t.discover(new Response('#EXTM3U'));
    await t.settled();
    expect(t.fetch).not.toHaveBeenCalled();
  });

  it('fetches again only when a manifest lists segments the sidecar did not cover (a live refresh)', async () => {
    const t = setup();
    t.fetch.mockResolvedValueOnce(sidecar('720p/seg-1.ts'));
    t.discover(named(), [SEG_1]);
    t.discover(named(), [SEG_1]); // in flight: not twice
    await t.settled();
    t.discover(named(), [SEG_1]); // every listed hash known
    await t.settled();
    expect(t.fetch).toHaveBeenCalledTimes(1);
    t.fetch.mockResolvedValueOnce(sidecar('720p/seg-1.ts', '720p/seg-2.ts'));
    t.discover(named(), [SEG_1, SEG_2]);
    await t.settled();
    expect(t.fetch).toHaveBeenCalledTimes(2);
    expect(t.table.has(SEG_2)).toBe(true);
    expect(t.arrived).toEqual([[SEG_1], [SEG_2]]);
  });

  it('fetches one sidecar at most once per refetch interval, even when it lacks what manifests list', async () => {
    const t = setup({ hashSidecarRefetchMs: 60_000 });
    t.fetch.mockResolvedValue(sidecar('720p/seg-1.ts'));
    t.discover(named(), [SEG_1, SEG_2]);
    await t.settled();
    t.discover(named(), [SEG_1, SEG_2]);
    await t.settled();
    expect(t.fetch).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a failed fetch', () => Promise.reject(new TypeError('Failed to fetch')), 'Failed to fetch'],
    ['an error status', async () => new Response('gone', { status: 404 }), 'status 404'],
    ['a malformed sidecar', async () => new Response('{"peerlane":"hashes/9"}'), 'hashes/1'],
    [
      'an oversized sidecar',
      async () => new Response('x'.repeat(2048), { headers: { 'Content-Length': '2048' } }),
      'over 1024 bytes',
    ],
  ])('ignores %s and logs why', async (_name, answer, reason) => {
    const t = sidecarWiring(async () => answer(), ORIGIN, { maxHashSidecarBytes: 1024 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const work = backgroundWork();
    t.loader.discover(named(), PLAYLIST, [], work.waitUntil);
    await work.settled();
    expect(t.table.has(SEG_1)).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('hash-sidecar-unreadable'));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(reason));
  });

  it('ignores a header that is not an http(s) URL', async () => {
    const t = setup();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    t.discover(named('javascript:alert(1)'));
    await t.settled();
    expect(t.fetch).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('hash-sidecar-unreadable'));
  });

  it('lets a segment wait for a sidecar on its way, then attaches the hash', async () => {
    const t = setup();
    let deliver: (response: Response) => void = () => undefined;
    t.fetch.mockReturnValue(
      new Promise((resolve) => {
        deliver = resolve;
      }),
    );
    t.discover(named());
    const hashed = t.loader.hashed(ref(SEG_1));
    deliver(sidecar('720p/seg-1.ts'));
    expect((await hashed).originHash).toEqual({ size: 10, sha256: A });
  });

  it('waits no longer than hashSidecarWaitMs for a sidecar that does not come', async () => {
    const t = setup({ hashSidecarWaitMs: 20 });
    t.fetch.mockReturnValue(new Promise(() => undefined));
    t.discover(named());
    const plain = ref(SEG_1);
    expect(await t.loader.hashed(plain)).toBe(plain);
  });

  it('does not wait when no sidecar is being fetched', async () => {
    const t = setup({ hashSidecarWaitMs: 60_000 });
    const plain = ref(SEG_1);
    expect(await t.loader.hashed(plain)).toBe(plain);
  });
});
