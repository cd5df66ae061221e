// Serving a recognised segment: cache → peers (verified) → network, what gets cached and announced, and that
// every failure still ends in a real network response.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { sha256Hex } from '../../protocol/sha256-hex';
import type { SegmentStore } from '../../sw/cache/segment-store';
import type { AgentDelivery } from '../../sw/worker/agent-bridge';
import type { SegmentMatch } from '../../sw/worker/segment-index';
import { SegmentRouter } from '../../sw/worker/segment-router';
import { backgroundWork, fakeEdges, memoryStore } from './worker-fakes';

const ORIGIN = 'https://site.example';
const URL_TS = 'https://cdn.example.com/v/seg-1.ts?token=abc';
const WHOLE: SegmentRef = {
  id: 'https://cdn.example.com/v/seg-1.ts',
  swarm: 'https://cdn.example.com/v/720p.m3u8',
  url: URL_TS,
  range: null,
  durationSec: 2,
  sequence: 1,
};
const RANGED: SegmentRef = {
  ...WHOLE,
  id: 'https://cdn.example.com/v/all.mp4#bytes=100-103',
  url: 'https://cdn.example.com/v/all.mp4',
  range: { start: 100, end: 103 },
};
const BYTES = new Uint8Array([9, 8, 7, 6]);

function buffer(bytes: Uint8Array = BYTES): ArrayBuffer {
  return bytes.slice().buffer;
}

function setup(
  options: {
    peer?: (segment: SegmentRef) => AgentDelivery | null;
    store?: SegmentStore | null;
    indexSegments?: string[];
  } = {},
) {
  const edges = fakeEdges(options);
  const router = new SegmentRouter({
    sources: edges.sources,
    fetch: edges.fetch,
    limits: { maxSegmentBytes: 1024 * 1024 },
    origin: ORIGIN,
    isIndexSegment: (id) => options.indexSegments?.includes(id) ?? false,
  });
  const work = backgroundWork();
  const serve = (request: Request, match: SegmentMatch) =>
    router.serve({ request, match, clientId: 'page-1', waitUntil: work.waitUntil });
  const cache = (ref: SegmentRef, contentType: string) =>
    edges.store?.put({ id: ref.id, swarm: ref.swarm, data: buffer(), sha256: 'x', contentType });
  return { ...edges, router, serve, settled: work.settled, cache };
}

async function bytesOf(response: Response): Promise<number[]> {
  return [...new Uint8Array(await response.arrayBuffer())];
}

afterEach(() => vi.restoreAllMocks());

describe('SegmentRouter', () => {
  it('serves a cached segment without asking peers or the network', async () => {
    const t = setup();
    await t.cache(WHOLE, 'video/mp2t');
    const response = await t.serve(new Request(URL_TS), { ref: WHOLE, exact: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('video/mp2t');
    expect(await bytesOf(response)).toEqual([9, 8, 7, 6]);
    expect(t.fetch).not.toHaveBeenCalled();
    expect(t.peerRequests).toEqual([]);
    expect(t.posted).toMatchObject([{ type: 'delivered', source: 'cache', bytes: 4 }]);
  });

  it('serves a cached segment with 206 for a Range request', async () => {
    const t = setup();
    await t.cache(WHOLE, 'video/mp2t');
    const response = await t.serve(new Request(URL_TS, { headers: { Range: 'bytes=1-2' } }), {
      ref: WHOLE,
      exact: false,
    });
    expect(response.status).toBe(206);
    expect(response.headers.get('Content-Range')).toBe('bytes 1-2/4');
    expect(await bytesOf(response)).toEqual([8, 7]);
  });

  it('serves a cached byte-range segment at its place in the file', async () => {
    const t = setup();
    await t.cache(RANGED, 'video/mp4');
    const request = new Request(RANGED.url, { headers: { Range: 'bytes=100-103' } });
    const response = await t.serve(request, { ref: RANGED, exact: true });
    expect(response.status).toBe(206);
    expect(response.headers.get('Content-Range')).toBe('bytes 100-103/*');
    expect(await bytesOf(response)).toEqual([9, 8, 7, 6]);
  });

  it('serves verified peer bytes, caches them and tells every agent', async () => {
    const sha256 = await sha256Hex(BYTES);
    const t = setup({ peer: () => ({ requestId: 1, clientId: 'page-1', data: buffer(), sha256 }) });
    const response = await t.serve(new Request(URL_TS), { ref: WHOLE, exact: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('video/mp2t');
    expect(await bytesOf(response)).toEqual([9, 8, 7, 6]);
    await t.settled();
    expect(t.fetch).not.toHaveBeenCalled();
    expect(t.store && (await t.store.get(WHOLE.id))?.sha256).toBe(sha256);
    expect(t.broadcast).toEqual([
      {
        type: 'segment-stored',
        segment: WHOLE,
        size: 4,
        sha256,
        source: 'p2p',
        data: expect.any(ArrayBuffer),
      },
    ]);
    expect(t.posted).toMatchObject([{ type: 'delivered', source: 'p2p', bytes: 4 }]);
  });

  it('never serves peer bytes whose hash is not the one vouched for: the network answers', async () => {
    const t = setup({
      peer: () => ({ requestId: 7, clientId: 'page-1', data: buffer(), sha256: 'ab'.repeat(32) }),
    });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const network = new Response(buffer(new Uint8Array([1, 1, 1, 1])), { status: 200 });
    t.fetch.mockResolvedValue(network);
    const response = await t.serve(new Request(URL_TS), { ref: WHOLE, exact: true });
    expect(response).toBe(network);
    expect(t.rejected).toEqual(['hash-mismatch']);
    await t.settled();
    expect(t.store && (await t.store.get(WHOLE.id))?.sha256).toBe(
      await sha256Hex(new Uint8Array([1, 1, 1, 1])),
    );
  });

  it('never serves a short peer answer for a byte range', async () => {
    const short = new Uint8Array([9, 8, 7]);
    const t = setup({
      peer: () => ({ requestId: 2, clientId: 'page-1', data: buffer(short), sha256: 'placeholder' }),
    });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    t.fetch.mockResolvedValue(
      new Response(buffer(), { status: 206, headers: { 'Content-Range': 'bytes 100-103/500' } }),
    );
    const response = await t.serve(new Request(RANGED.url, { headers: { Range: 'bytes=100-103' } }), {
      ref: RANGED,
      exact: true,
    });
    expect(response.status).toBe(206);
    expect(await bytesOf(response)).toEqual([9, 8, 7, 6]);
    expect(t.rejected).toEqual(['size-mismatch']);
  });

  it('on a miss returns the network response itself, then caches and announces the body', async () => {
    const t = setup();
    const network = new Response(buffer(), {
      status: 200,
      headers: { 'Content-Type': 'video/mp2t', 'Content-Length': '4' },
    });
    t.fetch.mockResolvedValue(network);
    const request = new Request(URL_TS);
    const response = await t.serve(request, { ref: WHOLE, exact: true });
    expect(response).toBe(network);
    expect(t.fetch).toHaveBeenCalledWith(request);
    expect(await bytesOf(response)).toEqual([9, 8, 7, 6]);
    await t.settled();
    const sha256 = await sha256Hex(BYTES);
    expect(t.store && (await t.store.get(WHOLE.id))).toMatchObject({
      sha256,
      contentType: 'video/mp2t',
      size: 4,
    });
    expect(t.broadcast).toEqual([
      {
        type: 'segment-stored',
        segment: WHOLE,
        size: 4,
        sha256,
        source: 'http',
        data: expect.any(ArrayBuffer),
      },
    ]);
    expect(t.posted).toMatchObject([{ type: 'delivered', source: 'http', bytes: 4 }]);
  });

  it.each([
    ['no-store', { 'Cache-Control': 'no-store' }, 200],
    ['private', { 'Cache-Control': 'max-age=60, private' }, 200],
    ['a server error', {}, 500],
    ['a truncated body', { 'Content-Length': '10' }, 200],
  ])('does not cache %s', async (_name, headers, status) => {
    const t = setup();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const network = new Response(buffer(), { status, headers });
    t.fetch.mockResolvedValue(network);
    expect(await t.serve(new Request(URL_TS), { ref: WHOLE, exact: true })).toBe(network);
    await t.settled();
    expect(t.store && (await t.store.has(WHOLE.id))).toBe(false);
    expect(t.broadcast).toEqual([]);
  });

  it('caches a byte range only from a 206 that carries exactly that range', async () => {
    const served = setup();
    served.fetch.mockResolvedValue(
      new Response(buffer(), { status: 206, headers: { 'Content-Range': 'bytes 100-103/500' } }),
    );
    await served.serve(new Request(RANGED.url, { headers: { Range: 'bytes=100-103' } }), {
      ref: RANGED,
      exact: true,
    });
    await served.settled();
    expect(served.store && (await served.store.has(RANGED.id))).toBe(true);

    const ignored = setup(); // the server ignored Range and sent the whole file
    ignored.fetch.mockResolvedValue(new Response(buffer(new Uint8Array(500)), { status: 200 }));
    await ignored.serve(new Request(RANGED.url, { headers: { Range: 'bytes=100-103' } }), {
      ref: RANGED,
      exact: true,
    });
    await ignored.settled();
    expect(ignored.store && (await ignored.store.has(RANGED.id))).toBe(false);
  });

  it('sends a range inside an uncached segment straight to the network, no peers, no caching', async () => {
    const t = setup();
    const network = new Response(buffer(new Uint8Array([8, 7])), { status: 206 });
    t.fetch.mockResolvedValue(network);
    const response = await t.serve(new Request(URL_TS, { headers: { Range: 'bytes=1-2' } }), {
      ref: WHOLE,
      exact: false,
    });
    expect(response).toBe(network);
    expect(t.peerRequests).toEqual([]);
    await t.settled();
    expect(t.store && (await t.store.has(WHOLE.id))).toBe(false);
  });

  it('re-makes a cross-origin no-cors request in cors mode, and passes the original through if that fails', async () => {
    const t = setup();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const original = new Request(URL_TS, { mode: 'no-cors', headers: { Range: 'bytes=0-3' } });
    const opaque = new Response(null, { status: 200 });
    t.fetch.mockImplementation(async (request) => {
      if (request.mode === 'cors') throw new TypeError('Failed to fetch (CORS)');
      return opaque;
    });
    const response = await t.serve(original, { ref: WHOLE, exact: false });
    expect(response).toBe(opaque);
    const [first, second] = t.fetch.mock.calls.map(([request]) => request);
    expect(first?.mode).toBe('cors');
    expect(first?.credentials).toBe('omit');
    expect(first?.headers.get('Range')).toBe('bytes=0-3');
    expect(second).toBe(original);
  });

  it('still answers from the network when the cache is unavailable or throws', async () => {
    const without = setup({ store: null });
    without.fetch.mockResolvedValue(new Response(buffer()));
    expect((await without.serve(new Request(URL_TS), { ref: WHOLE, exact: true })).status).toBe(200);

    const broken = memoryStore();
    broken.get = async () => {
      throw new Error('disk on fire');
    };
    const failing = setup({ store: broken });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    failing.fetch.mockResolvedValue(new Response(buffer()));
    expect((await failing.serve(new Request(URL_TS), { ref: WHOLE, exact: true })).status).toBe(200);
  });

  it('does not let a stalled cache hold the player: the network answers after the lookup deadline', async () => {
    const stalled = memoryStore();
    stalled.get = () => new Promise(() => undefined); // IndexedDB blocked, e.g. by an upgrade
    const t = setup({ store: stalled });
    const network = new Response(buffer());
    t.fetch.mockResolvedValue(network);
    expect(await t.serve(new Request(URL_TS), { ref: WHOLE, exact: true })).toBe(network);
  });

  it('lets a real network failure reach the player, as it would without the worker', async () => {
    const t = setup();
    t.fetch.mockRejectedValue(new TypeError('Failed to fetch'));
    await expect(t.serve(new Request(URL_TS), { ref: WHOLE, exact: true })).rejects.toThrow(
      'Failed to fetch',
    );
    expect(t.fetch).toHaveBeenCalledTimes(1);
  });
});

describe('SegmentRouter with DASH index segments', () => {
  it('reads a sidx from the network before the player gets it, so the segments it lists are known first', async () => {
    const t = setup({ indexSegments: [RANGED.id] });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The body arrives in two chunks; the player's response must not be returned before both are read.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array([9, 8]));
        await held;
        controller.enqueue(new Uint8Array([7, 6]));
        controller.close();
      },
    });
    t.fetch.mockResolvedValue(
      new Response(body, { status: 206, headers: { 'Content-Range': 'bytes 100-103/500' } }),
    );
    // Released on a later task: a router that did not wait would have returned long before.
    setTimeout(release, 0);
    const response = await t
      .serve(new Request(RANGED.url, { headers: { Range: 'bytes=100-103' } }), { ref: RANGED, exact: true })
      .then((answer) => {
        expect(t.inspected, 'index read before the response was returned').toHaveLength(1);
        return answer;
      });
    expect(t.inspected.map(({ ref, data }) => [ref.id, [...new Uint8Array(data)]])).toEqual([
      [RANGED.id, [9, 8, 7, 6]],
    ]);
    expect(await bytesOf(response)).toEqual([9, 8, 7, 6]);
  });

  it('reads a cached sidx too (a restarted worker learns the media segments again)', async () => {
    const t = setup({ indexSegments: [RANGED.id] });
    await t.cache(RANGED, 'video/mp4');
    await t.serve(new Request(RANGED.url, { headers: { Range: 'bytes=100-103' } }), {
      ref: RANGED,
      exact: true,
    });
    expect(t.inspected).toHaveLength(1);
  });
});
