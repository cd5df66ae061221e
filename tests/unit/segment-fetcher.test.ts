// Answering the worker's segment requests from peers: deadlines, early abandon, sharing one download, prefetch.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PageToWorkerMessage } from '../../protocol/bridge/bridge-messages';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { PEERLANE_DEFAULTS } from '../../sw/agent/config';
import type { Download, DownloadResult } from '../../sw/agent/download-table';
import type { PlaybackState } from '../../sw/agent/media-observer';
import type { PeerChannel } from '../../sw/agent/peer-channel';
import type { Holder } from '../../sw/agent/scheduler';
import { type FetcherDeps, SegmentFetcher } from '../../sw/agent/segment-fetcher';

const SHA = 'a'.repeat(64);
const SIZE = 100_000;

interface FakeDownload extends Download {
  segmentId: string;
  cancelled: boolean;
  tooSlow: boolean;
  finish(result: DownloadResult): void;
  receive(bytes: number): void;
}

function fakeChannel(peerId: string) {
  const downloads: FakeDownload[] = [];
  let nextId = 1;
  const channel = {
    peerId,
    downloads,
    download(segmentId: string, _expected: unknown, _priority: unknown, onChunk: () => void): Download {
      let settle: (result: DownloadResult) => void = () => {};
      const result = new Promise<DownloadResult>((resolve) => {
        settle = resolve;
      });
      let receivedBytes = 0;
      let firstByteAt: number | undefined;
      const download: FakeDownload = {
        requestId: nextId++,
        segmentId,
        result,
        cancelled: false,
        tooSlow: false,
        progress: () => ({ receivedBytes, firstByteAt }),
        cancel: (tooSlow = false) => {
          download.cancelled = true;
          download.tooSlow = tooSlow;
          settle({ ok: false, reason: 'cancelled', detail: 'cancelled' });
        },
        finish: (value) => settle(value),
        receive: (bytes) => {
          firstByteAt ??= Date.now();
          receivedBytes += bytes;
          onChunk();
        },
      };
      downloads.push(download);
      return download;
    },
  };
  return channel;
}

function segment(id: string): SegmentRef {
  return {
    id,
    swarm: 'swarm',
    url: `https://cdn.example/${id}.ts`,
    range: null,
    durationSec: 4,
    sequence: 1,
  };
}

function okResult(): DownloadResult {
  return { ok: true, data: new Uint8Array(SIZE).fill(7).buffer, sha256: SHA };
}

let playback: PlaybackState;
let peer: ReturnType<typeof fakeChannel>;
let responses: { message: PageToWorkerMessage; transfer: Transferable[] | undefined }[];
let deps: FetcherDeps;
let fetcher: SegmentFetcher;

const holder = (): Holder => ({ peerId: 'p1', size: SIZE, sha256: SHA, inFlight: 0, bytesPerMs: undefined });

beforeEach(() => {
  vi.useFakeTimers();
  playback = { phase: 'playing', bufferAheadSec: 20, stalls: 0 };
  peer = fakeChannel('p1');
  responses = [];
  deps = {
    now: () => Date.now(),
    config: PEERLANE_DEFAULTS,
    holdersOf: () => [holder()],
    channel: (peerId) => (peerId === 'p1' ? (peer as unknown as PeerChannel) : undefined),
    playback: () => playback,
    peersPending: () => false,
    trustPending: () => false,
    edgeRank: () => null,
    fetchedAt: () => undefined,
    toNetwork: vi.fn(),
    typicalBytes: () => SIZE,
    networkMs: () => 1000,
    respond: (message, transfer) => responses.push({ message, transfer }),
    prefetched: vi.fn(),
    settled: vi.fn(),
  };
  fetcher = new SegmentFetcher(deps);
});

afterEach(() => {
  fetcher.destroy();
  vi.useRealTimers();
});

describe('SegmentFetcher', () => {
  it('misses at once when no peer holds the segment', () => {
    deps.holdersOf = () => [];
    fetcher.request(1, segment('s1'), 2000);
    expect(responses.map((r) => r.message)).toEqual([
      { type: 'segment-response', requestId: 1, status: 'miss', reason: 'no-peer' },
    ]);
  });

  it('answers with the verified bytes, transferred, and remembers who sent them', async () => {
    fetcher.request(1, segment('s1'), 2000);
    peer.downloads[0]?.finish(okResult());
    await vi.advanceTimersByTimeAsync(0);
    const [response] = responses;
    expect(response?.message).toMatchObject({
      type: 'segment-response',
      requestId: 1,
      status: 'ok',
      sha256: SHA,
    });
    expect(response?.transfer).toHaveLength(1);
    expect(fetcher.senderOf(1)).toBe('p1');
  });

  it('gives up at the deadline so the worker still reaches the network in time', async () => {
    fetcher.request(1, segment('s1'), 2000);
    await vi.advanceTimersByTimeAsync(1999);
    expect(responses).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(responses.map((r) => r.message)).toEqual([
      { type: 'segment-response', requestId: 1, status: 'miss', reason: 'deadline' },
    ]);
    expect(peer.downloads[0]).toMatchObject({ cancelled: true, tooSlow: true });
  });

  it('waits on past a start-up deadline once playback started and the buffer allows it, within the worker bound', async () => {
    playback = { phase: 'startup', bufferAheadSec: 0, stalls: 0 };
    fetcher.request(1, segment('s1'), 4000);
    // A busy machine: the transfer is slow but keeping pace (40 % in the start-up bound).
    peer.downloads[0]?.receive(SIZE * 0.2);
    await vi.advanceTimersByTimeAsync(PEERLANE_DEFAULTS.startupPeerWaitMs - 1);
    playback = { phase: 'playing', bufferAheadSec: 10, stalls: 0 };
    peer.downloads[0]?.receive(SIZE * 0.2);
    await vi.advanceTimersByTimeAsync(1);
    expect(responses, 'still waiting: the worker bound leaves 2.5 s').toEqual([]);
    peer.downloads[0]?.finish(okResult());
    await vi.advanceTimersByTimeAsync(0);
    expect(responses[0]?.message).toMatchObject({ requestId: 1, status: 'ok' });
  });

  it('gives up at a start-up deadline while start-up lasts', async () => {
    playback = { phase: 'startup', bufferAheadSec: 0, stalls: 0 };
    fetcher.request(1, segment('s1'), 4000);
    await vi.advanceTimersByTimeAsync(PEERLANE_DEFAULTS.startupPeerWaitMs);
    expect(responses.map((r) => r.message)).toEqual([
      { type: 'segment-response', requestId: 1, status: 'miss', reason: 'deadline' },
    ]);
  });

  it('abandons a peer whose pace shows it will miss the deadline, before the deadline', async () => {
    fetcher.request(1, segment('s1'), 2000);
    peer.downloads[0]?.receive(1000);
    await vi.advanceTimersByTimeAsync(500);
    peer.downloads[0]?.receive(1000); // 2 % in 500 ms: far too slow for the 1.5 s left
    expect(responses.map((r) => r.message)).toEqual([
      { type: 'segment-response', requestId: 1, status: 'miss', reason: 'too-slow' },
    ]);
    expect(peer.downloads[0]).toMatchObject({ cancelled: true, tooSlow: true });
  });

  it('waits briefly for peers still arriving, then downloads from the first to announce the segment', async () => {
    let holders: Holder[] = [];
    let pending = true;
    deps.holdersOf = () => holders;
    deps.peersPending = () => pending;
    fetcher.request(1, segment('s1'), 2000);
    fetcher.retryParked(); // something else happened; still nobody holds it
    expect(responses).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    holders = [holder()];
    pending = false;
    fetcher.retryParked();
    expect(peer.downloads.map((download) => download.segmentId)).toEqual(['s1']);
    peer.downloads[0]?.finish(okResult());
    await vi.advanceTimersByTimeAsync(0);
    expect(responses[0]?.message).toMatchObject({ requestId: 1, status: 'ok' });
  });

  it('stops waiting for arriving peers after a short while, or as soon as none are expected', async () => {
    deps.holdersOf = () => [];
    let pending = true;
    deps.peersPending = () => pending;
    fetcher.request(1, segment('s1'), 2000);
    await vi.advanceTimersByTimeAsync(999);
    expect(responses).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(responses.map((r) => r.message)).toEqual([
      { type: 'segment-response', requestId: 1, status: 'miss', reason: 'no-peer' },
    ]);
    fetcher.request(2, segment('s2'), 2000);
    pending = false; // the member list came back empty
    fetcher.retryParked();
    expect(responses[1]?.message).toMatchObject({ requestId: 2, status: 'miss', reason: 'no-peer' });
  });

  it('waits, within the deadline, for the hash of a segment a peer announced while the signal server hashes it', async () => {
    let holders: Holder[] = [];
    let trustPending = true;
    deps.holdersOf = () => holders;
    deps.trustPending = () => trustPending;
    fetcher.request(1, segment('s1'), 2000);
    await vi.advanceTimersByTimeAsync(400);
    expect(responses).toEqual([]);
    // The hash came: the announced holder is usable.
    holders = [holder()];
    trustPending = false;
    fetcher.retryParked();
    expect(peer.downloads.map((download) => download.segmentId)).toEqual(['s1']);

    // A hash that does not come: the network, before the deadline leaves it too little time.
    holders = [];
    trustPending = true;
    fetcher.request(2, segment('s2'), 2000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(responses.map((r) => r.message)).toContainEqual({
      type: 'segment-response',
      requestId: 2,
      status: 'miss',
      reason: 'no-peer',
    });
  });

  it('at the live edge, waits once more when the turn ends with a holder announced and its hash on the way', async () => {
    deps.holdersOf = () => [];
    deps.edgeRank = () => 1;
    let trustPending = false;
    deps.trustPending = () => trustPending;
    fetcher.request(1, segment('s1'), 4000);
    await vi.advanceTimersByTimeAsync(200);
    trustPending = true; // the fetcher's HAVE came; the hash service is hashing the segment
    // The turn (rank 1) ends at 0.3 s; the wait for the hash adds 1 s.
    await vi.advanceTimersByTimeAsync(800);
    expect(responses, 'still waiting after its turn').toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(responses.map((r) => r.message)).toEqual([
      { type: 'segment-response', requestId: 1, status: 'miss', reason: 'no-peer' },
    ]);
  });

  it('misses at once while the player is stalled on a network fast enough to end it', () => {
    playback = { phase: 'stalled', bufferAheadSec: 0, stalls: 1 };
    deps.networkMs = () => 300;
    fetcher.request(1, segment('s1'), 2000);
    expect(responses[0]?.message).toMatchObject({ status: 'miss', reason: 'buffer-low' });
    expect(peer.downloads).toHaveLength(0);
  });

  it('races a peer against a congested network while stalled, and gives it up in time', () => {
    playback = { phase: 'stalled', bufferAheadSec: 0, stalls: 1 };
    deps.networkMs = () => 4000;
    fetcher.request(1, segment('s1'), 2000);
    expect(peer.downloads).toHaveLength(1);
    vi.advanceTimersByTime(1999);
    expect(responses).toEqual([]);
    vi.advanceTimersByTime(1); // half the network's 4 s, within the worker's 2 s
    expect(responses[0]?.message).toMatchObject({ status: 'miss', reason: 'deadline' });
  });

  it('joins a prefetch already under way instead of downloading twice, and hands it to the worker', async () => {
    fetcher.prefetch(segment('s1'), holder());
    expect(fetcher.activePrefetches).toBe(1);
    fetcher.request(1, segment('s1'), 2000);
    expect(peer.downloads).toHaveLength(1);
    peer.downloads[0]?.finish(okResult());
    await vi.advanceTimersByTimeAsync(0);
    expect(responses[0]?.message).toMatchObject({ requestId: 1, status: 'ok' });
    // The worker stores what it is given: the agent does not store it a second time.
    expect(deps.prefetched).not.toHaveBeenCalled();
  });

  it('keeps a finished prefetch nobody asked for', async () => {
    fetcher.prefetch(segment('s2'), holder());
    peer.downloads[0]?.finish(okResult());
    await vi.advanceTimersByTimeAsync(0);
    expect(deps.prefetched).toHaveBeenCalledWith(segment('s2'), expect.any(ArrayBuffer), SHA);
    expect(fetcher.activePrefetches).toBe(0);
    expect(deps.settled).toHaveBeenCalled();
  });

  it('counts a finished prefetch as downloading until it is stored, answering requests from it meanwhile', async () => {
    let stored = () => {};
    deps.prefetched = vi.fn(
      () =>
        new Promise<void>((resolve) => {
          stored = resolve;
        }),
    );
    fetcher.prefetch(segment('s3'), holder());
    peer.downloads[0]?.finish(okResult());
    await vi.advanceTimersByTimeAsync(0);
    expect(deps.prefetched).toHaveBeenCalledOnce();
    expect(fetcher.isDownloading('s3')).toBe(true);
    fetcher.request(5, segment('s3'), 2000);
    expect(responses[0]?.message).toMatchObject({ requestId: 5, status: 'ok', sha256: SHA });
    expect(peer.downloads).toHaveLength(1);
    stored();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetcher.isDownloading('s3')).toBe(false);
  });

  it('gives each waiting request its own buffer', async () => {
    fetcher.request(1, segment('s1'), 2000);
    fetcher.request(2, segment('s1'), 2000);
    peer.downloads[0]?.finish(okResult());
    await vi.advanceTimersByTimeAsync(0);
    const buffers = responses.map((r) =>
      r.message.type === 'segment-response' && r.message.status === 'ok' ? r.message.data : null,
    );
    expect(buffers[0]).not.toBe(buffers[1]);
    expect(buffers.map((buffer) => buffer?.byteLength)).toEqual([SIZE, SIZE]);
  });

  describe('at the live edge', () => {
    beforeEach(() => {
      deps.holdersOf = () => [];
      deps.networkMs = () => 200;
      playback = { phase: 'playing', bufferAheadSec: 6, stalls: 0 };
    });

    it('fetches from the network at once when it is its turn, and tells its peers', () => {
      deps.edgeRank = () => 0;
      fetcher.request(1, segment('s1'), 2000);
      expect(responses.map((r) => r.message)).toMatchObject([{ requestId: 1, status: 'miss' }]);
      expect(deps.toNetwork).toHaveBeenCalledWith(segment('s1'));
    });

    it('waits its turn and downloads from the peer that announces it first', () => {
      deps.edgeRank = () => 2;
      fetcher.request(1, segment('s1'), 2000);
      vi.advanceTimersByTime(500);
      expect(responses).toEqual([]);
      deps.holdersOf = () => [holder()];
      fetcher.retryParked();
      expect(peer.downloads.map((download) => download.segmentId)).toEqual(['s1']);
    });

    it('goes to the network when its turn comes and nobody announced it', () => {
      deps.edgeRank = () => 2;
      fetcher.request(1, segment('s1'), 2000);
      fetcher.retryParked(); // other events meanwhile: still nobody holds it
      // Two turns of 300 ms.
      vi.advanceTimersByTime(599);
      expect(responses).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(responses.map((r) => r.message)).toMatchObject([
        { requestId: 1, status: 'miss', reason: 'no-peer' },
      ]);
    });

    it('waits past its turn for the peer that said it fetches the segment, and downloads from it', () => {
      deps.edgeRank = () => 0;
      const dueAt = Date.now() + 1000;
      deps.fetchedAt = () => dueAt;
      fetcher.request(1, segment('s1'), 2000);
      vi.advanceTimersByTime(900);
      expect(responses).toEqual([]);
      deps.holdersOf = () => [holder()];
      fetcher.retryParked();
      expect(peer.downloads.map((download) => download.segmentId)).toEqual(['s1']);
      expect(deps.toNetwork).not.toHaveBeenCalled();
    });

    it('follows a fetch a peer announces while it waits its turn, within its limit', () => {
      deps.edgeRank = () => 1;
      fetcher.request(1, segment('s1'), 2000);
      vi.advanceTimersByTime(200);
      // A peer starts fetching it: its HAVE is due in 2 s, but this buffer lets the wait last 1.5 s in all.
      const dueAt = Date.now() + 2000;
      deps.fetchedAt = () => dueAt;
      fetcher.retryParked();
      vi.advanceTimersByTime(1299);
      expect(responses).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(responses.map((r) => r.message)).toMatchObject([
        { requestId: 1, status: 'miss', reason: 'no-peer' },
      ]);
    });

    it('takes over, after its turn, when the peer it waited for is gone', () => {
      deps.edgeRank = () => 1;
      let dueAt: number | undefined = Date.now() + 1000;
      deps.fetchedAt = () => dueAt;
      fetcher.request(1, segment('s1'), 2000);
      vi.advanceTimersByTime(400);
      dueAt = undefined; // its connection closed
      fetcher.retryParked();
      // One turn (300 ms) from the moment it was gone, not from when the wait began.
      vi.advanceTimersByTime(299);
      expect(responses).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(responses.map((r) => r.message)).toMatchObject([{ requestId: 1, status: 'miss' }]);
      expect(deps.toNetwork).toHaveBeenCalledWith(segment('s1'));
    });

    it('takes peers of other networks only to race a buffer the network alone would not keep', () => {
      const racing: boolean[] = [];
      deps.holdersOf = (_segment, race) => {
        racing.push(race);
        return [];
      };
      fetcher.request(1, segment('s1'), 2000);
      playback = { phase: 'stalled', bufferAheadSec: 0, stalls: 1 };
      fetcher.request(2, segment('s2'), 2000);
      expect(racing).toEqual([false, true]);
    });

    it('does not wait when its buffer cannot afford it', () => {
      deps.edgeRank = () => 2;
      playback = { phase: 'playing', bufferAheadSec: 2, stalls: 0 };
      fetcher.request(1, segment('s1'), 2000);
      expect(responses.map((r) => r.message)).toMatchObject([{ requestId: 1, status: 'miss' }]);
    });
  });

  it('tries the peer again after a failure, and passes the third failure on as a miss', async () => {
    fetcher.request(1, segment('s1'), 2000);
    for (const attempt of [0, 1, 2]) {
      expect(responses).toEqual([]);
      peer.downloads[attempt]?.finish({ ok: false, reason: 'bad-data', detail: 'wrong hash' });
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(peer.downloads).toHaveLength(3);
    expect(responses.map((r) => r.message)).toEqual([
      { type: 'segment-response', requestId: 1, status: 'miss', reason: 'peer-bad-data: wrong hash' },
    ]);
  });

  it('turns to another holder when the first answers busy', async () => {
    const other = fakeChannel('p2');
    const channels: Record<string, unknown> = { p1: peer, p2: other };
    deps.channel = (peerId) => channels[peerId] as PeerChannel | undefined;
    let busy = false;
    // The busy peer backs off (it is no holder for a while), as PeerChannel.holderOf does.
    deps.holdersOf = () => [...(busy ? [] : [holder()]), { ...holder(), peerId: 'p2' }];
    fetcher.request(1, segment('s1'), 2000);
    busy = true;
    peer.downloads[0]?.finish({ ok: false, reason: 'peer-miss', detail: 'busy' });
    await vi.advanceTimersByTimeAsync(0);
    expect(other.downloads).toHaveLength(1);
    other.downloads[0]?.finish(okResult());
    await vi.advanceTimersByTimeAsync(0);
    expect(responses.map((r) => r.message)).toMatchObject([{ requestId: 1, status: 'ok' }]);
  });

  it('after a failed holder, waits for the next announcement rather than going to the network at once', async () => {
    fetcher.request(1, segment('s1'), 2000);
    deps.holdersOf = () => [];
    peer.downloads[0]?.finish({ ok: false, reason: 'closed', detail: 'peer left' });
    await vi.advanceTimersByTimeAsync(0);
    expect(responses).toEqual([]);
    deps.holdersOf = () => [holder()];
    fetcher.retryParked();
    expect(peer.downloads).toHaveLength(2);
  });

  it('cancels a player download the worker no longer wants, but lets a prefetch finish', () => {
    fetcher.request(1, segment('s1'), 2000);
    fetcher.cancel(1);
    expect(peer.downloads[0]).toMatchObject({ cancelled: true, tooSlow: false });
    fetcher.prefetch(segment('s2'), holder());
    fetcher.request(2, segment('s2'), 2000);
    fetcher.cancel(2);
    expect(peer.downloads[1]?.cancelled).toBe(false);
    expect(responses).toEqual([]);
  });

  it('drops the requests of a replaced worker port without answering them', async () => {
    fetcher.request(1, segment('s1'), 2000);
    fetcher.reset();
    await vi.advanceTimersByTimeAsync(5000);
    expect(responses).toEqual([]);
    expect(peer.downloads[0]?.cancelled).toBe(true);
  });
});
