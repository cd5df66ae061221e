// One peer connection end to end over an in-memory data channel: verified downloads, hostile senders,
// backpressure, cancel, rate limits, upload slots and the upload cap.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  encodeHaveFrames,
  type HaveEntry,
  MAX_CHUNK_BYTES,
} from '../../protocol/peers/peer-wire';
import { sha256Hex } from '../../protocol/sha256-hex';
import { PEERLANE_DEFAULTS } from '../../sw/agent/config';
import {
  type ChannelDeps,
  type ChannelEvents,
  PeerChannel,
  type PeerLink,
} from '../../sw/agent/peer-channel';
import { TokenBucket } from '../../sw/agent/token-bucket';
import { MAX_UPLOADS_PER_PEER } from '../../sw/agent/upload-queue';
import { UploadSlots } from '../../sw/agent/upload-slots';
import { connectionPair, type FakeDataConnection } from './fake-data-connection';

const channels: PeerChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close('test over');
});

function segmentBytes(size: number, seed = 1): ArrayBuffer {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + seed) & 0xff;
  return bytes.buffer;
}

function events(): { [Name in keyof ChannelEvents]: ReturnType<typeof vi.fn> } {
  return {
    opened: vi.fn(),
    announced: vi.fn(),
    uploaded: vi.fn(),
    fetching: vi.fn(),
    misbehaved: vi.fn(),
    closed: vi.fn(),
  };
}

function channelOn(
  link: FakeDataConnection,
  store = new Map<string, ArrayBuffer>(),
  deps: Partial<ChannelDeps> = {},
) {
  const spies = events();
  const channel = new PeerChannel(link as unknown as PeerLink, {
    now: () => performance.now(),
    uploadBucket: new TokenBucket(Number.POSITIVE_INFINITY, 1),
    uploadSlots: new UploadSlots(PEERLANE_DEFAULTS.maxUploads),
    uploadEnabled: true,
    requestLimiter: new TokenBucket(100, 200),
    connectTimeoutMs: 10_000,
    readSegment: async (segmentId) => store.get(segmentId),
    events: spies as unknown as ChannelEvents,
    ...deps,
  });
  channels.push(channel);
  return { channel, spies, store };
}

/** A connected pair: `a` downloads, `b` serves from `store`. */
function pair(store = new Map<string, ArrayBuffer>(), serverDeps: Partial<ChannelDeps> = {}) {
  const [atA, atB] = connectionPair('peer-a', 'peer-b');
  const a = channelOn(atA);
  const b = channelOn(atB, store, serverDeps);
  atA.openNow();
  atB.openNow();
  return { a, b, atA, atB };
}

/** A download whose sender is the test itself: it injects DATA frames by hand, as a hostile peer would. */
function downloadFromTest(size: number) {
  const [atA] = connectionPair('peer-a', 'peer-b');
  const a = channelOn(atA);
  atA.openNow();
  const download = a.channel.download('seg-1', { size, sha256: 'f'.repeat(64) }, 'urgent');
  const sendChunk = (offset: number, length: number) =>
    atA.inject(
      encodeFrame({
        type: 'data',
        requestId: download.requestId,
        offset,
        totalSize: size,
        bytes: new Uint8Array(length),
      }),
    );
  return { a, atA, download, sendChunk };
}

function dataFramesSent(link: FakeDataConnection): number {
  return link.dataChannel.sent.filter((frame) => decodeFrame(frame).ok && new Uint8Array(frame)[1] === 3)
    .length;
}

describe('PeerChannel downloads', () => {
  it('downloads a segment in 16 KiB chunks and hands it over only verified', async () => {
    const data = segmentBytes(100_000);
    const sha256 = await sha256Hex(data);
    const { a, b, atB } = pair(new Map([['seg-1', data]]));
    const result = await a.channel.download('seg-1', { size: data.byteLength, sha256 }, 'urgent').result;
    expect(result).toMatchObject({ ok: true, sha256 });
    expect(result.ok && new Uint8Array(result.data)).toEqual(new Uint8Array(data));
    expect(dataFramesSent(atB)).toBe(Math.ceil(100_000 / MAX_CHUNK_BYTES));
    expect(b.spies.uploaded).toHaveBeenCalledWith(b.channel, 'seg-1', 100_000);
  });

  it('learns what a peer holds from HAVE and forgets a segment the peer then misses', async () => {
    const { a, b } = pair();
    const sha256 = 'c'.repeat(64);
    b.channel.announce('swarm-1', [{ segmentId: 'seg-9', size: 500, sha256 }], true);
    await vi.waitFor(() => expect(a.spies.announced).toHaveBeenCalled());
    expect(a.channel.holderOf('seg-9')).toMatchObject({ peerId: 'peer-b', size: 500, sha256, inFlight: 0 });
    const result = await a.channel.download('seg-9', { size: 500, sha256 }, 'prefetch').result;
    expect(result).toEqual({ ok: false, reason: 'peer-miss', detail: 'not-found' });
    expect(a.channel.holderOf('seg-9')).toBeUndefined();
  });

  it("tells a peer which live segment we fetch from the network, and hears the peer's", async () => {
    const { a, b } = pair();
    b.channel.tellFetching('live/seg-7.ts', 640);
    await vi.waitFor(() => expect(a.spies.fetching).toHaveBeenCalledWith(a.channel, 'live/seg-7.ts', 640));
    expect(a.spies.misbehaved).not.toHaveBeenCalled();
  });

  it('drops a segment whose bytes do not match the announced hash and reports the peer', async () => {
    const data = segmentBytes(40_000);
    const { a } = pair(new Map([['seg-1', data]]));
    const result = await a.channel.download('seg-1', { size: 40_000, sha256: 'd'.repeat(64) }, 'urgent')
      .result;
    expect(result).toMatchObject({ ok: false, reason: 'bad-data' });
    expect(a.spies.misbehaved).toHaveBeenCalledWith(a.channel, expect.stringContaining('SHA-256'));
    expect(a.channel.status).toBe('closed');
  });

  it('drops a peer that sends fewer bytes than it announced', async () => {
    const { a } = pair(new Map([['seg-1', segmentBytes(30_000)]]));
    const result = await a.channel.download('seg-1', { size: 50_000, sha256: 'e'.repeat(64) }, 'urgent')
      .result;
    expect(result).toEqual({
      ok: false,
      reason: 'bad-data',
      detail: 'sent 30000 bytes for a segment it announced as 50000',
    });
    expect(a.spies.misbehaved).toHaveBeenCalledOnce();
  });

  it('drops out-of-order chunks and never delivers a partial segment', async () => {
    const { download, sendChunk } = downloadFromTest(40_000);
    sendChunk(0, 1000);
    sendChunk(5000, 1000);
    expect(await download.result).toMatchObject({
      ok: false,
      reason: 'bad-data',
      detail: expect.stringContaining('offset 5000'),
    });
  });

  it('fails pending downloads when the peer goes away mid-transfer', async () => {
    const { a, atA, download, sendChunk } = downloadFromTest(40_000);
    sendChunk(0, 16_384);
    atA.close();
    expect(await download.result).toMatchObject({ ok: false, reason: 'closed' });
    expect(a.spies.closed).toHaveBeenCalledWith(a.channel, 'closed by the peer');
    expect(a.spies.misbehaved).not.toHaveBeenCalled();
  });

  it('counts the pace of a download given up as too slow (not of one merely cancelled), so the peer ranks lower', async () => {
    const { a, atA, download, sendChunk } = downloadFromTest(40_000);
    const announcement = [{ segmentId: 'seg-1', size: 40_000, sha256: 'f'.repeat(64) }];
    for (const frame of encodeHaveFrames('swarm', announcement, true)) atA.inject(frame);
    a.channel.download('seg-1', announcement[0] as HaveEntry, 'prefetch').cancel();
    expect(a.channel.holderOf('seg-1')?.bytesPerMs).toBeUndefined();
    sendChunk(0, 1000);
    download.cancel(true);
    expect(await download.result).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(a.channel.holderOf('seg-1')?.bytesPerMs).toBeGreaterThan(0);
  });

  it('counts the bytes it asks a peer for when it asks, also for a download it cancels before they arrive', async () => {
    const [atA] = connectionPair('peer-a', 'peer-b');
    const requested = vi.fn();
    const a = channelOn(atA, new Map(), { requested });
    atA.openNow();
    const download = a.channel.download('seg-1', { size: 40_000, sha256: 'f'.repeat(64) }, 'urgent');
    expect(requested).toHaveBeenCalledWith(40_000);
    download.cancel(true);
    expect(await download.result).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(requested).toHaveBeenCalledTimes(1);
  });

  it('gives up a download whose bytes stop coming (a missing last chunk) and leaves that peer alone a while', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const { a, atA, download, sendChunk } = downloadFromTest(40_000);
      const announcement = [{ segmentId: 'seg-1', size: 40_000, sha256: 'f'.repeat(64) }];
      for (const frame of encodeHaveFrames('swarm', announcement, true)) atA.inject(frame);
      sendChunk(0, 16_384);
      await vi.advanceTimersByTimeAsync(500);
      sendChunk(16_384, 16_384);
      // Still coming: a pause shorter than the limit is not a stall.
      await vi.advanceTimersByTimeAsync(900);
      expect(a.channel.holderOf('seg-1')).toBeDefined();
      await vi.advanceTimersByTimeAsync(5000);
      expect(await download.result).toMatchObject({ ok: false, reason: 'stalled' });
      expect(a.spies.misbehaved).not.toHaveBeenCalled();
      expect(a.channel.holderOf('seg-1'), 'backing off the stalled peer').toBeUndefined();
      await vi.advanceTimersByTimeAsync(5000);
      expect(a.channel.holderOf('seg-1')?.bytesPerMs).toBeGreaterThan(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('tolerates a few stray frames, then drops a peer that keeps sending garbage', () => {
    const [atA] = connectionPair('peer-a', 'peer-b');
    const a = channelOn(atA);
    atA.openNow();
    const stray = encodeFrame({
      type: 'data',
      requestId: 77,
      offset: 0,
      totalSize: 10,
      bytes: new Uint8Array(10),
    });
    for (let index = 0; index < 4; index++) atA.inject(stray);
    expect(a.channel.status).toBe('open');
    atA.inject(new Uint8Array([9, 9, 9]).buffer);
    expect(a.spies.misbehaved).toHaveBeenCalledWith(a.channel, expect.stringContaining('malformed'));
    expect(a.channel.status).toBe('closed');
  });
});

describe('PeerChannel uploads', () => {
  it('pauses at the send high-water mark until bufferedamountlow, and stops a cancelled upload', async () => {
    const size = 3 * 1024 * 1024;
    const { a, b, atB } = pair(new Map([['big', segmentBytes(size)]]));
    atB.dataChannel.hold = true;
    const download = a.channel.download('big', { size, sha256: 'a'.repeat(64) }, 'prefetch');
    await vi.waitFor(() => expect(atB.dataChannel.bufferedAmount).toBeGreaterThan(1024 * 1024));
    await new Promise((resolve) => setImmediate(resolve));
    const sentWhileFull = dataFramesSent(atB);
    expect(sentWhileFull * MAX_CHUNK_BYTES).toBeLessThanOrEqual(1024 * 1024 + 2 * MAX_CHUNK_BYTES);
    download.cancel();
    atB.dataChannel.hold = false;
    atB.dataChannel.drain();
    expect(await download.result).toMatchObject({ ok: false, reason: 'cancelled' });
    await new Promise((resolve) => setImmediate(resolve));
    // At most one chunk after the drain (the one already past its checks); chunks in flight are no fault.
    expect(dataFramesSent(atB)).toBeLessThanOrEqual(sentWhileFull + 1);
    expect(b.spies.uploaded).not.toHaveBeenCalled();
    expect(a.spies.misbehaved).not.toHaveBeenCalled();
  });

  it('answers busy beyond MAX_UPLOADS_PER_PEER requests, then the requester backs off', async () => {
    const { a, b } = pair(new Map(), { readSegment: () => new Promise(() => {}) });
    const sha256 = 'a'.repeat(64);
    b.channel.announce('swarm', [{ segmentId: 'other', size: 10, sha256 }], true);
    await vi.waitFor(() => expect(a.channel.holderOf('other')).toBeDefined());
    const downloads = Array.from({ length: MAX_UPLOADS_PER_PEER + 2 }, (_, index) =>
      a.channel.download(`seg-${index}`, { size: 10, sha256 }, 'prefetch'),
    );
    const busy = await Promise.all(downloads.slice(MAX_UPLOADS_PER_PEER).map((download) => download.result));
    expect(busy).toEqual([
      { ok: false, reason: 'peer-miss', detail: 'busy' },
      { ok: false, reason: 'peer-miss', detail: 'busy' },
    ]);
    expect(a.channel.holderOf('other')).toBeUndefined();
  });

  it('rate-limits requests per peer and refuses all when uploading is off', async () => {
    const sha256 = 'a'.repeat(64);
    const limited = pair(new Map([['s', segmentBytes(10)]]), { requestLimiter: new TokenBucket(1, 2) });
    const results = await Promise.all(
      [1, 2, 3].map(
        () => limited.a.channel.download('s', { size: 10, sha256: 'b'.repeat(64) }, 'urgent').result,
      ),
    );
    expect(results.map((result) => (result.ok ? 'ok' : result.detail))).toContain('rate-limited');
    const off = pair(new Map([['s', segmentBytes(10)]]), { uploadEnabled: false });
    expect(await off.a.channel.download('s', { size: 10, sha256 }, 'urgent').result).toEqual({
      ok: false,
      reason: 'peer-miss',
      detail: 'upload-disabled',
    });
  });

  it('takes every uploaded byte from the shared upload-cap bucket', async () => {
    const data = segmentBytes(70_000);
    const bucket = new TokenBucket(Number.POSITIVE_INFINITY, 1);
    const take = vi.spyOn(bucket, 'take');
    const { a } = pair(new Map([['seg', data]]), { uploadBucket: bucket });
    await a.channel.download('seg', { size: 70_000, sha256: await sha256Hex(data) }, 'urgent').result;
    const taken = take.mock.calls.reduce((sum, [amount]) => sum + amount, 0);
    expect(taken).toBe(70_000);
  });
});
