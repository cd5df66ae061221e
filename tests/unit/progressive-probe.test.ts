// The first Range request for a progressive file: one byte from the network tells its size, which is indexed,
// saved for a restarted worker and announced as pieces; files that cannot be pieced are remembered and passed.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkerToPageMessage } from '../../protocol/bridge/bridge-messages';
import { defaultWorkerSettings, workerLimits } from '../../sw/worker/config';
import { ProgressiveProbe } from '../../sw/worker/progressive-probe';
import { RenditionPublisher } from '../../sw/worker/rendition-publisher';
import { SegmentIndex } from '../../sw/worker/segment-index';
import { openWorkerState, type WorkerState } from '../../sw/worker/worker-state';
import { sidecarWiring } from './worker-fakes';

const ORIGIN = 'https://site.example';
const FILE = 'https://cdn.example.com/films/movie.mp4';
const MIB = 1024 * 1024;

const states: WorkerState[] = [];
let dbCounter = 0;
afterEach(() => {
  for (const state of states.splice(0)) state.close();
  vi.restoreAllMocks();
});

function setup(state?: WorkerState) {
  const index = new SegmentIndex(workerLimits);
  const posted: WorkerToPageMessage[] = [];
  const fetch = vi.fn<(request: Request) => Promise<Response>>();
  const hashes = sidecarWiring(fetch, ORIGIN);
  const publisher = new RenditionPublisher({
    index,
    bridge: { post: (_clientId, message) => posted.push(message) > 0, broadcast: () => undefined },
    persist: async (records, evicted) => state?.saveRecords(records, evicted),
    limits: workerLimits,
    hashes: hashes.table,
  });
  hashes.onHashes = (ids) => publisher.rehashed(ids);
  const probe = new ProgressiveProbe({
    index,
    publisher,
    sidecars: hashes.loader,
    fetch,
    settings: () => defaultWorkerSettings,
    origin: ORIGIN,
    now: () => 5,
  });
  const background: Promise<unknown>[] = [];
  const learn = (url = `${FILE}?token=abc`) =>
    probe.learn({
      request: new Request(url, { mode: 'no-cors', headers: { Range: 'bytes=0-' } }),
      clientId: 'page-1',
      waitUntil: (promise) => void background.push(promise),
    });
  return { index, publisher, posted, fetch, learn, hashes, settled: () => Promise.all(background) };
}

const sized = (total: string, headers: Record<string, string> = {}) =>
  new Response(new Uint8Array([0]), {
    status: 206,
    headers: { 'Content-Range': `bytes 0-0/${total}`, 'Content-Type': 'video/mp4', ...headers },
  });

describe('ProgressiveProbe', () => {
  it('learns the size with a one-byte cors request, then indexes and announces the file as pieces', async () => {
    const t = setup();
    t.fetch.mockResolvedValue(sized(String(3 * MIB + 10)));
    const record = await t.learn();
    expect(record).toMatchObject({
      kind: 'progressive',
      url: FILE,
      swarm: FILE,
      playerUrl: `${FILE}?token=abc`,
      size: 3 * MIB + 10,
      pieceBytes: MIB,
      contentType: 'video/mp4',
    });
    const [probe] = t.fetch.mock.calls.map(([request]) => request);
    expect(probe?.headers.get('Range')).toBe('bytes=0-0');
    expect(probe?.mode).toBe('cors');
    expect(probe?.credentials).toBe('omit');
    expect(t.index.progressive(FILE)).toEqual(record);
    const [manifest] = t.posted;
    expect(manifest?.type === 'manifest' && manifest.segments.map((piece) => piece.range)).toEqual([
      { start: 0, end: MIB - 1 },
      { start: MIB, end: 2 * MIB - 1 },
      { start: 2 * MIB, end: 3 * MIB - 1 },
      { start: 3 * MIB, end: 3 * MIB + 9 },
    ]);
  });

  it("fetches the sidecar the file's response names: pieces carry the origin's hash when sizes match", async () => {
    const t = setup();
    const pieces = ['1', '2'].map((digit) => digit.repeat(64));
    const sidecar = {
      peerlane: 'hashes/1',
      files: [{ url: 'movie.mp4', size: MIB + 10, pieceBytes: MIB, pieces }],
    };
    t.fetch.mockImplementation(async (request) =>
      request.url.endsWith('.json')
        ? new Response(JSON.stringify(sidecar))
        : sized(String(MIB + 10), { 'Peerlane-Hashes': 'hashes.json' }),
    );
    await t.learn();
    await t.settled();
    expect(t.fetch.mock.calls[1]?.[0].url).toBe('https://cdn.example.com/films/hashes.json');
    const latest = t.posted.at(-1);
    expect(latest?.type === 'manifest' && latest.segments.map((piece) => piece.originHash)).toEqual([
      { size: MIB, sha256: pieces[0] },
      { size: 10, sha256: pieces[1] },
    ]);
  });

  it('probes a file once, however many requests the element opens at the same time', async () => {
    const t = setup();
    t.fetch.mockResolvedValue(sized('100'));
    const [a, b] = await Promise.all([t.learn(), t.learn(`${FILE}?token=other`)]);
    expect(a).toBe(b);
    expect(t.fetch).toHaveBeenCalledTimes(1);
    await t.learn();
    expect(t.fetch).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a server that ignores Range (200)', () => new Response('whole file', { status: 200 })],
    ['a size hidden by CORS (no Content-Range exposed)', () => new Response('x', { status: 206 })],
    ['an unknown size', () => sized('*')],
    ['a private file', () => sized('100', { 'Cache-Control': 'private, max-age=60' })],
    ['a missing file', () => new Response('not found', { status: 404 })],
  ])('remembers that it cannot piece %s', async (_name, answer) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = setup();
    t.fetch.mockResolvedValue(answer());
    expect(await t.learn()).toBeUndefined();
    expect(t.index.isUnshareable(FILE)).toBe(true);
    expect(t.posted).toEqual([]);
  });

  it('remembers a file whose cors request fails (no CORS on the CDN)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = setup();
    t.fetch.mockRejectedValue(new TypeError('Failed to fetch'));
    expect(await t.learn()).toBeUndefined();
    expect(t.index.isUnshareable(FILE)).toBe(true);
    expect(warn.mock.calls[0]?.[0]).toContain('progressive-unshareable');
  });

  it('a restarted worker still knows the size (no second probe)', async () => {
    const dbName = `progressive-state-${++dbCounter}`;
    const before = await openWorkerState(dbName);
    states.push(before);
    const t = setup(before);
    t.fetch.mockResolvedValue(sized('5000'));
    await t.learn();
    await t.settled();
    before.close();

    const after = await openWorkerState(dbName);
    states.push(after);
    const restarted = setup(after);
    restarted.publisher.restore(await after.loadRecords());
    expect(await restarted.learn()).toMatchObject({ size: 5000 });
    expect(restarted.fetch).not.toHaveBeenCalled();
  });
});
