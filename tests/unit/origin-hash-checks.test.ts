// Where the origin published a segment's hash (its sidecar), the worker holds every byte to it: peer bytes that
// differ are refused (the network answers), network bytes that differ reach the player but are never cached or
// shared, cached bytes that differ are a miss, and every ref the agent sees carries the hash.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OriginHash, SegmentRef } from '../../protocol/bridge/segment-ref';
import { sha256Hex } from '../../protocol/sha256-hex';
import type { AgentDelivery } from '../../sw/worker/agent-bridge';
import { PartFetcher } from '../../sw/worker/part-fetcher';
import type { RangedRef } from '../../sw/worker/segment-index';
import { SegmentRouter } from '../../sw/worker/segment-router';
import { backgroundWork, fakeEdges } from './worker-fakes';

const ORIGIN = 'https://site.example';
const SEGMENT: SegmentRef = {
  id: 'https://cdn.example.com/v/seg-1.ts',
  swarm: 'https://cdn.example.com/v/720p.m3u8',
  url: 'https://cdn.example.com/v/seg-1.ts?token=abc',
  range: null,
  durationSec: 2,
  sequence: 1,
};
const GOOD = new Uint8Array([1, 2, 3, 4]);
const EVIL = new Uint8Array([6, 6, 6, 6]);

let originHash: OriginHash;
const buffer = (bytes: Uint8Array) => bytes.slice().buffer;

afterEach(() => vi.restoreAllMocks());

async function setup(peer?: Uint8Array) {
  originHash = { size: GOOD.byteLength, sha256: await sha256Hex(GOOD) };
  const delivery = async (): Promise<AgentDelivery | null> =>
    peer ? { requestId: 3, clientId: 'page-1', data: buffer(peer), sha256: await sha256Hex(peer) } : null;
  const edges = fakeEdges({ peer: delivery, originHashes: { [SEGMENT.id]: originHash } });
  const router = new SegmentRouter({
    sources: edges.sources,
    fetch: edges.fetch,
    limits: { maxSegmentBytes: 1024 * 1024 },
    origin: ORIGIN,
    isIndexSegment: () => false,
  });
  const work = backgroundWork();
  const serve = () =>
    router.serve({
      request: new Request(SEGMENT.url),
      match: { ref: SEGMENT, exact: true },
      clientId: 'page-1',
      waitUntil: work.waitUntil,
    });
  return { ...edges, serve, settled: work.settled };
}

async function bytesOf(response: Response): Promise<number[]> {
  return [...new Uint8Array(await response.arrayBuffer())];
}

describe('origin hashes in the segment router', () => {
  it("asks peers with the origin's hash, serves bytes that match it and stores them with it", async () => {
    const t = await setup(GOOD);
    const response = await t.serve();
    expect(await bytesOf(response)).toEqual([1, 2, 3, 4]);
    await t.settled();
    expect(t.peerRequests.map((ref) => ref.originHash)).toEqual([originHash]);
    expect(t.broadcast).toEqual([
      {
        type: 'segment-stored',
        segment: { ...SEGMENT, originHash },
        size: 4,
        sha256: originHash.sha256,
        source: 'p2p',
        data: expect.any(ArrayBuffer),
      },
    ]);
    expect(t.posted).toMatchObject([{ type: 'delivered', source: 'p2p', segment: { originHash } }]);
  });

  it("refuses peer bytes that match the agent's hash but not the origin's: the network answers", async () => {
    const t = await setup(EVIL);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    t.fetch.mockResolvedValue(new Response(buffer(GOOD), { headers: { 'Content-Length': '4' } }));
    const response = await t.serve();
    expect(await bytesOf(response)).toEqual([1, 2, 3, 4]);
    expect(t.rejected).toEqual(['hash-mismatch']);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('peer-rejected'));
    await t.settled();
    expect(t.broadcast).toMatchObject([
      { type: 'segment-stored', source: 'http', sha256: originHash.sha256 },
    ]);
  });

  it('refuses peer bytes of another size than the origin published', async () => {
    const t = await setup(new Uint8Array([1, 2, 3]));
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    t.fetch.mockResolvedValue(new Response(buffer(GOOD)));
    await t.serve();
    expect(t.rejected).toEqual(['size-mismatch']);
  });

  it('gives the player network bytes that contradict the origin, but never caches or shares them', async () => {
    const t = await setup();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const network = new Response(buffer(EVIL), { headers: { 'Content-Length': '4' } });
    t.fetch.mockResolvedValue(network);
    const response = await t.serve();
    expect(response).toBe(network);
    expect(await bytesOf(response)).toEqual([6, 6, 6, 6]);
    await t.settled();
    expect(t.store && (await t.store.has(SEGMENT.id))).toBe(false);
    expect(t.broadcast).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('origin-hash-mismatch'));
  });

  it('treats cached bytes that contradict the origin as a miss', async () => {
    const t = await setup();
    await t.store?.put({
      id: SEGMENT.id,
      swarm: SEGMENT.swarm,
      data: buffer(EVIL),
      sha256: await sha256Hex(EVIL),
      contentType: 'video/mp2t',
    });
    t.fetch.mockResolvedValue(new Response(buffer(GOOD)));
    expect(await bytesOf(await t.serve())).toEqual([1, 2, 3, 4]);
    expect(t.fetch).toHaveBeenCalledTimes(1);
  });
});

describe('origin hashes in assembled answers', () => {
  it('does not keep a network part that contradicts its published hash, and keeps the one that matches', async () => {
    const parts: RangedRef[] = [0, 1].map((index) => ({
      ...SEGMENT,
      id: `https://cdn.example.com/v/movie.mp4#bytes=${index * 4}-${index * 4 + 3}/8`,
      url: 'https://cdn.example.com/v/movie.mp4',
      range: { start: index * 4, end: index * 4 + 3 },
      sequence: index,
    }));
    const good = { size: 4, sha256: await sha256Hex(GOOD) };
    const edges = fakeEdges({
      originHashes: { [parts[0]?.id as string]: good, [parts[1]?.id as string]: good },
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    // The server sends the first piece as published, the second not.
    const file = new Uint8Array([...GOOD, ...EVIL]);
    edges.fetch.mockResolvedValue(
      new Response(file, { status: 206, headers: { 'Content-Range': 'bytes 0-7/8' } }),
    );
    const fetcher = new PartFetcher({
      sources: edges.sources,
      fetch: edges.fetch,
      origin: ORIGIN,
      limits: { maxSegmentBytes: 1024, assemblyPeerWindow: 2 },
    });
    const work = backgroundWork();
    const request = new Request('https://cdn.example.com/v/movie.mp4', { headers: { Range: 'bytes=0-7' } });
    const got = await Promise.all(
      fetcher.fetch(
        { request, clientId: 'page-1', signal: request.signal, waitUntil: work.waitUntil, totalSize: 8 },
        parts,
      ),
    );
    expect(got.map((part) => [...new Uint8Array(part.data)])).toEqual([
      [1, 2, 3, 4],
      [6, 6, 6, 6],
    ]);
    await work.settled();
    expect([...(edges.store?.items.keys() ?? [])]).toEqual([parts[0]?.id]);
    expect(edges.broadcast).toMatchObject([{ type: 'segment-stored', segment: { originHash: good } }]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('origin-hash-mismatch'));
  });
});
