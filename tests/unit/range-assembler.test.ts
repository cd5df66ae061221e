// Range requests answered from whole parts (progressive pieces, byte-range segments): each part from one source —
// cache, a verified peer, or the network asked for exactly the missing ranges — and a correct 206 built from them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../protocol/sha256-hex';
import type { AgentDelivery } from '../../sw/worker/agent-bridge';
import type { AssemblyPlan } from '../../sw/worker/assembly-plan';
import { parseRangeHeader } from '../../sw/worker/byte-range';
import type { ProgressiveRecord } from '../../sw/worker/index-records';
import { PartFetcher } from '../../sw/worker/part-fetcher';
import { pieceRef, progressivePlan } from '../../sw/worker/piece-plan';
import { RangeAssembler } from '../../sw/worker/range-assembler';
import type { RangedRef } from '../../sw/worker/segment-index';
import { backgroundWork, type FakeEdgeOptions, fakeEdges } from './worker-fakes';

const ORIGIN = 'https://site.example';
const FILE_URL = 'https://cdn.example.com/films/movie.mp4';
const P = 1000;
/** The file on the "server": 10 full pieces and a last one of 5 bytes, every byte distinct enough to check. */
const FILE = Uint8Array.from({ length: 10 * P + 5 }, (_, index) => (index * 7 + (index >> 8)) % 251);
const RECORD: ProgressiveRecord = {
  kind: 'progressive',
  url: FILE_URL,
  swarm: FILE_URL,
  playerUrl: FILE_URL,
  size: FILE.byteLength,
  pieceBytes: P,
  contentType: 'video/mp4',
  updatedAt: 0,
};

afterEach(() => vi.restoreAllMocks());

interface ServerOptions {
  /** Longest body the server sends for one request (some CDNs cap ranges). */
  cap?: number;
  /** Size the server reports (a file replaced on the server). */
  total?: number;
  status?: number;
  /** Ranges (as the Range header says them) the server fails with a 500. */
  failing?: string[];
}

function setup(options: FakeEdgeOptions & { server?: ServerOptions } = {}) {
  const edges = fakeEdges({ maxSegmentBytes: 64 * P, ...options });
  const ranges: string[] = [];
  const server = options.server ?? {};
  edges.fetch.mockImplementation(async (request) => {
    const header = request.headers.get('Range');
    ranges.push(header ?? 'none');
    if (server.status || server.failing?.includes(header ?? 'none')) {
      return new Response('nope', { status: server.status ?? 500 });
    }
    const spec = parseRangeHeader(header);
    if (spec.kind !== 'bytes') return new Response(FILE.slice(), { status: 200 });
    const end = Math.min(
      spec.end ?? FILE.byteLength - 1,
      FILE.byteLength - 1,
      spec.start + (server.cap ?? FILE.byteLength) - 1,
    );
    return new Response(FILE.slice(spec.start, end + 1), {
      status: 206,
      headers: {
        'Content-Type': 'video/mp4',
        'Content-Range': `bytes ${spec.start}-${end}/${server.total ?? FILE.byteLength}`,
      },
    });
  });
  const resized: Array<[string, number]> = [];
  const assembler = new RangeAssembler({
    parts: new PartFetcher({
      sources: edges.sources,
      fetch: edges.fetch,
      origin: ORIGIN,
      limits: { maxSegmentBytes: 64 * P, assemblyPeerWindow: 2 },
    }),
    sources: edges.sources,
    fetch: edges.fetch,
    origin: ORIGIN,
    onResized: (url, size) => void resized.push([url, size]),
  });
  const work = backgroundWork();
  const serve = (range: string, init: RequestInit = {}, plan?: AssemblyPlan) => {
    const request = new Request(FILE_URL, { ...init, headers: { Range: range } });
    const planned = plan ?? progressivePlan(RECORD, parseRangeHeader(range), 4 * P);
    if (!planned || planned === 'unsatisfiable') throw new Error(`no plan for ${range}`);
    return assembler.serve({ request, plan: planned, clientId: 'page-1', waitUntil: work.waitUntil });
  };
  const cache = async (index: number) => {
    const ref = pieceRef(RECORD, index);
    const data = FILE.slice(ref.range.start, ref.range.end + 1).buffer;
    await edges.store?.put({
      id: ref.id,
      swarm: ref.swarm,
      data,
      sha256: await sha256Hex(data),
      contentType: 'video/mp4',
    });
  };
  return { ...edges, assembler, ranges, resized, serve, cache, settled: work.settled };
}

async function peerPiece(
  ref: RangedRef,
  bytes = FILE.slice(ref.range.start, ref.range.end + 1),
): Promise<AgentDelivery> {
  return { requestId: 1, clientId: 'page-1', data: bytes.slice().buffer, sha256: await sha256Hex(bytes) };
}

async function body(response: Response): Promise<number[]> {
  return [...new Uint8Array(await response.arrayBuffer())];
}

const bytes = (start: number, end: number) => [...FILE.slice(start, end + 1)];

describe('RangeAssembler', () => {
  it('builds one 206 from cache, a peer and the network, asking the network only for the missing pieces', async () => {
    const t = setup({ peer: (segment) => (segment.sequence === 2 ? peerPiece(segment as RangedRef) : null) });
    await t.cache(1);
    const response = await t.serve('bytes=500-3499');
    expect(response.status).toBe(206);
    expect(response.headers.get('Content-Range')).toBe('bytes 500-3499/10005');
    expect(response.headers.get('Content-Length')).toBe('3000');
    expect(response.headers.get('Content-Type')).toBe('video/mp4');
    expect(await body(response)).toEqual(bytes(500, 3499));
    // Pieces 0 and 3, each whole: never the player's range, never a piece held elsewhere.
    expect(t.ranges.sort()).toEqual(['bytes=0-999', 'bytes=3000-3999']);
    const delivered = t.posted.flatMap((message) =>
      message.type === 'delivered' ? [[message.segment.sequence, message.source, message.bytes]] : [],
    );
    expect(delivered).toEqual([
      [0, 'http', 500],
      [1, 'cache', 1000],
      [2, 'p2p', 1000],
      [3, 'http', 500],
    ]);
    await t.settled();
    // Every piece is now cached whole, and announced (except the one that was already cached).
    for (const index of [0, 1, 2, 3]) {
      const ref = pieceRef(RECORD, index);
      expect([...new Uint8Array((await t.store?.get(ref.id))?.data ?? new ArrayBuffer(0))]).toEqual(
        bytes(ref.range.start, ref.range.end),
      );
    }
    expect(
      t.broadcast.map((message) => message.type === 'segment-stored' && message.segment.sequence).sort(),
    ).toEqual([0, 2, 3]);
  });

  it('asks peers for two pieces at a time, in play order (one peer serves a couple at once)', async () => {
    let asking = 0;
    let most = 0;
    const t = setup({
      peer: async (segment) => {
        most = Math.max(most, ++asking);
        await new Promise((resolve) => setTimeout(resolve, 5));
        asking--;
        return peerPiece(segment as RangedRef);
      },
    });
    const response = await t.serve('bytes=0-');
    expect(await body(response)).toEqual(bytes(0, 3999));
    expect(most).toBe(2);
    expect(t.peerRequests.map((segment) => segment.sequence)).toEqual([0, 1, 2, 3]);
    expect(t.ranges).toEqual([]);
  });

  it('asks the network for exactly the pieces no peer has, adjacent ones in one request', async () => {
    const t = setup();
    const response = await t.serve('bytes=0-');
    expect(response.headers.get('Content-Range')).toBe('bytes 0-3999/10005');
    expect(await body(response)).toEqual(bytes(0, 3999));
    // Peers are asked two pieces at a time: each pair they lack is one request.
    expect(t.ranges).toEqual(['bytes=0-1999', 'bytes=2000-3999']);
  });

  it("answers Safari's bytes=0-1 probe with a 206 of two bytes, keeping the whole first piece", async () => {
    const t = setup();
    const response = await t.serve('bytes=0-1');
    expect(response.status).toBe(206);
    expect(response.headers.get('Content-Range')).toBe('bytes 0-1/10005');
    expect(await body(response)).toEqual(bytes(0, 1));
    expect(t.ranges).toEqual(['bytes=0-999']);
    await t.settled();
    expect(t.store?.items.get(pieceRef(RECORD, 0).id)?.size).toBe(1000);
  });

  it('answers the last byte from the short last piece', async () => {
    const t = setup();
    const response = await t.serve('bytes=10004-');
    expect(response.headers.get('Content-Range')).toBe('bytes 10004-10004/10005');
    expect(await body(response)).toEqual(bytes(10004, 10004));
    expect(t.ranges).toEqual(['bytes=10000-10004']);
  });

  it('never keeps part of a piece: a server that sends less asks again for each piece left, alone', async () => {
    const t = setup({ server: { cap: 1500 } });
    const response = await t.serve('bytes=0-2999');
    expect(await body(response)).toEqual(bytes(0, 2999));
    expect(t.ranges.sort()).toEqual(['bytes=0-1999', 'bytes=1000-1999', 'bytes=2000-2999']);
    await t.settled();
    expect([...(t.store?.items.values() ?? [])].map((item) => item.size)).toEqual([1000, 1000, 1000]);
  });

  it('never serves or keeps peer bytes that fail verification: that piece comes from the network', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = setup({
      peer: async (segment) => ({ ...(await peerPiece(segment as RangedRef)), sha256: 'ab'.repeat(32) }),
    });
    const response = await t.serve('bytes=0-999');
    expect(await body(response)).toEqual(bytes(0, 999));
    expect(t.rejected).toEqual(['hash-mismatch']);
    expect(t.ranges).toEqual(['bytes=0-999']);
  });

  it("passes the player's own request to the network when the first piece cannot be had", async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = setup({ server: { status: 503 } });
    const response = await t.serve('bytes=0-');
    expect(response.status).toBe(503);
    // Ours (whole pieces), then the player's own; nothing more is started once the answer is given up.
    expect(t.ranges).toEqual(['bytes=0-1999', 'bytes=0-']);
  });

  it('notices a file that changed size on the server, and lets the network answer', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = setup({ server: { total: 20_000 } });
    const response = await t.serve('bytes=0-999');
    expect(response.headers.get('Content-Range')).toBe('bytes 0-999/20000');
    expect(t.resized).toEqual([[FILE_URL, 20_000]]);
    await t.settled();
    expect(t.store?.items.size).toBe(0);
  });

  it('finishes the body from the network when a later piece fails after the answer started', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = setup({ server: { failing: ['bytes=1000-2999'] } });
    await t.cache(0);
    const response = await t.serve('bytes=500-3499');
    expect(response.status).toBe(206);
    expect(await body(response)).toEqual(bytes(500, 3499));
    // Pieces 1 and 2 failed; the rest of the answer was asked for in one request.
    expect(t.ranges[0]).toBe('bytes=1000-2999');
    expect(t.ranges).toContain('bytes=1000-3499');
    const delivered = t.posted.flatMap((message) =>
      message.type === 'delivered' ? [[message.segment.sequence, message.source, message.bytes]] : [],
    );
    expect(delivered).toEqual([
      [0, 'cache', 500],
      [1, 'http', 1000],
      [2, 'http', 1000],
      [3, 'http', 500],
    ]);
  });

  it('ends the body with an error when the network cannot send the rest either', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = setup({ server: { status: 500 } });
    await t.cache(0);
    const response = await t.serve('bytes=0-1999');
    expect(response.status).toBe(206);
    await expect(response.arrayBuffer()).rejects.toThrow();
    expect(t.ranges).toEqual(['bytes=1000-1999', 'bytes=1000-1999']);
  });

  it('stops fetching when the player goes away (a seek aborts its request)', async () => {
    const t = setup();
    let signal: AbortSignal | undefined;
    t.fetch.mockImplementation(async (request) => {
      signal = request.signal;
      return new Promise<Response>(() => undefined);
    });
    const controller = new AbortController();
    const serving = t.serve('bytes=0-', { signal: controller.signal });
    await vi.waitFor(() => expect(signal).toBeDefined());
    controller.abort();
    expect(signal?.aborted).toBe(true);
    void serving.catch(() => undefined);
  });

  it('slices and spans byte-range segments of a DASH file the same way, size unknown', async () => {
    const t = setup();
    const segment = (start: number, end: number, sequence: number): RangedRef => ({
      id: `${FILE_URL}#bytes=${start}-${end}`,
      swarm: 'dash-swarm',
      url: FILE_URL,
      range: { start, end },
      durationSec: 0,
      sequence,
    });
    // A player asking for init + index in one request.
    const plan: AssemblyPlan = {
      parts: [segment(0, 861, -1), segment(862, 1033, -1)],
      range: { start: 0, end: 1033 },
      totalSize: null,
      contentType: null,
      progressiveUrl: null,
    };
    const response = await t.serve('bytes=0-1033', {}, plan);
    expect(response.headers.get('Content-Range')).toBe('bytes 0-1033/*');
    expect(await body(response)).toEqual(bytes(0, 1033));
    expect(t.ranges).toEqual(['bytes=0-1033']);
    await t.settled();
    expect([...(t.store?.items.keys() ?? [])].sort()).toEqual([
      `${FILE_URL}#bytes=0-861`,
      `${FILE_URL}#bytes=862-1033`,
    ]);
  });
});
