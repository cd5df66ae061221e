// Downloads segments from peers: for the player (answering the worker's segment-request within its deadline,
// never late) and for the cache (prefetch). One download per segment, however many requests wait for it.

import type { PageToWorkerMessage, SegmentRef } from '../protocol/bridge-messages';
import { BoundedMap } from './bounded-map';
import type { Download, DownloadResult } from './download-table';
import type { PlaybackState } from './media-observer';
import type { PeerChannel } from './peer-channel';
import {
  arrivalWaitMs,
  type Holder,
  isHopeless,
  MIN_PEER_WINDOW_MS,
  planPlayerRequest,
  prefetchDeadlineMs,
  requestDeadlineMs,
  type SchedulerConfig,
} from './scheduler';

export interface FetcherDeps {
  now: () => number;
  config: SchedulerConfig;
  holdersOf: (segmentId: string) => Holder[];
  channel: (peerId: string) => PeerChannel | undefined;
  playback: () => PlaybackState;
  /** Peers of `swarm` may be about to announce segments (connecting, or the member list not in yet). */
  peersPending: (swarm: string) => boolean;
  /** Expected network time for a segment of `bytes`, ms. */
  networkMs: (bytes: number) => number;
  respond: (message: PageToWorkerMessage, transfer?: Transferable[]) => void;
  /** A prefetch completed (verified) and no request waits for it: keep it (resolves once stored or given up). */
  prefetched: (segment: SegmentRef, data: ArrayBuffer, sha256: string) => Promise<void>;
  /** A download ended: a prefetch slot may be free. */
  settled: () => void;
}

interface Waiter {
  deadlineAt: number;
  timer: ReturnType<typeof setTimeout>;
}

interface Transfer {
  segment: SegmentRef;
  peerId: string;
  size: number;
  download: Download;
  /** Player requests waiting for this download, by request id. */
  waiters: Map<number, Waiter>;
  /** Started for the cache (counts against prefetch concurrency). */
  prefetch: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** A finished prefetch's bytes, while they are being stored. */
  completed?: { data: ArrayBuffer; sha256: string };
}

/** A request waiting for peers that are still arriving. */
interface Parked {
  segment: SegmentRef;
  maxWaitMs: number;
  parkedAt: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Answered requests remembered, to blame the sender if the worker later rejects the bytes. */
const ANSWERS_REMEMBERED = 128;

export class SegmentFetcher {
  private readonly transfers = new Map<string, Transfer>();
  private readonly waiting = new Map<number, Transfer>();
  private readonly parked = new Map<number, Parked>();
  private readonly answeredBy = new BoundedMap<number, string>(ANSWERS_REMEMBERED);

  constructor(private readonly deps: FetcherDeps) {}

  get activePrefetches(): number {
    let count = 0;
    for (const transfer of this.transfers.values()) if (transfer.prefetch) count++;
    return count;
  }

  isDownloading(segmentId: string): boolean {
    return this.transfers.has(segmentId);
  }

  /** Which peer's bytes answered `requestId` (for a segment-rejected). */
  senderOf(requestId: number): string | undefined {
    return this.answeredBy.get(requestId);
  }

  /**
   * The worker's segment-request: a peer download within the deadline, or a miss right now — or, when peers are
   * still arriving, a short wait for their announcements (once: `waitedMs` is set when it comes back from it).
   */
  request(requestId: number, segment: SegmentRef, maxWaitMs: number, waitedMs?: number): void {
    if (this.waiting.has(requestId) || this.parked.has(requestId)) return;
    const playback = this.deps.playback();
    const running = this.transfers.get(segment.id);
    if (running?.completed) {
      this.answer(requestId, running.peerId, running.completed.data.slice(0), running.completed.sha256);
      return;
    }
    if (running) {
      const networkMs = this.deps.networkMs(running.size);
      const deadlineMs = requestDeadlineMs(maxWaitMs, playback, networkMs, this.deps.config, waitedMs);
      if (deadlineMs < MIN_PEER_WINDOW_MS) {
        this.miss(requestId, 'buffer-low');
        return;
      }
      if (isHopeless(this.progressOf(running, deadlineMs))) {
        this.miss(requestId, 'too-slow');
        return;
      }
      this.attach(running, requestId, deadlineMs);
      return;
    }
    const holders = this.deps.holdersOf(segment.id);
    if (holders.length === 0 && waitedMs === undefined && this.deps.peersPending(segment.swarm)) {
      const waitMs = arrivalWaitMs(maxWaitMs, playback, this.deps.networkMs(0), this.deps.config);
      if (waitMs >= MIN_PEER_WINDOW_MS) {
        const timer = setTimeout(() => this.unpark(requestId, 'no-peer'), waitMs);
        this.parked.set(requestId, { segment, maxWaitMs, parkedAt: this.deps.now(), timer });
        return;
      }
    }
    const size = Math.max(0, ...holders.map((holder) => holder.size));
    const plan = planPlayerRequest(
      { maxWaitMs, holders, playback, networkMs: this.deps.networkMs(size), waitedMs },
      this.deps.config,
    );
    if (plan.action === 'miss') {
      this.miss(requestId, plan.reason);
      return;
    }
    const transfer = this.begin(segment, plan.holder, false);
    if (!transfer) {
      this.miss(requestId, 'peer-gone');
      return;
    }
    this.attach(transfer, requestId, plan.deadlineMs);
  }

  /** Downloads `segment` into the cache from `holder` (the scheduler chose both). */
  prefetch(segment: SegmentRef, holder: Holder): void {
    if (this.transfers.has(segment.id)) return;
    const transfer = this.begin(segment, holder, true);
    if (transfer)
      transfer.timer = setTimeout(() => transfer.download.cancel(true), prefetchDeadlineMs(holder));
  }

  /** Peers announced, connected, left, or the member list came in: waiting requests try again (once). */
  retryParked(): void {
    for (const [requestId, parked] of [...this.parked]) {
      const { segment } = parked;
      if (this.deps.holdersOf(segment.id).length === 0 && this.deps.peersPending(segment.swarm)) continue;
      this.unpark(requestId, undefined);
      this.request(requestId, segment, parked.maxWaitMs, this.deps.now() - parked.parkedAt);
    }
  }

  private unpark(requestId: number, reason: string | undefined): void {
    const parked = this.parked.get(requestId);
    if (!parked) return;
    clearTimeout(parked.timer);
    this.parked.delete(requestId);
    if (reason !== undefined) this.miss(requestId, reason);
  }

  /** The worker no longer needs `requestId` (the player aborted). */
  cancel(requestId: number): void {
    this.unpark(requestId, undefined);
    this.release(requestId, undefined);
  }

  private begin(segment: SegmentRef, holder: Holder, prefetch: boolean): Transfer | undefined {
    const channel = this.deps.channel(holder.peerId);
    if (!channel) return undefined;
    const expected = { size: holder.size, sha256: holder.sha256 };
    const download = channel.download(segment.id, expected, prefetch ? 'prefetch' : 'urgent', () =>
      this.onChunk(segment.id),
    );
    const transfer: Transfer = {
      segment,
      peerId: holder.peerId,
      size: holder.size,
      download,
      waiters: new Map(),
      prefetch,
      timer: undefined,
    };
    this.transfers.set(segment.id, transfer);
    void download.result.then((result) => this.finish(transfer, result));
    return transfer;
  }

  private attach(transfer: Transfer, requestId: number, deadlineMs: number): void {
    const timer = setTimeout(() => this.release(requestId, 'deadline'), deadlineMs);
    transfer.waiters.set(requestId, { deadlineAt: this.deps.now() + deadlineMs, timer });
    this.waiting.set(requestId, transfer);
  }

  private progressOf(transfer: Transfer, remainingMs: number) {
    const { receivedBytes, firstByteAt } = transfer.download.progress();
    const elapsedMs = firstByteAt === undefined ? 0 : this.deps.now() - firstByteAt;
    return { elapsedMs, receivedBytes, totalBytes: transfer.size, remainingMs };
  }

  /** A slow peer is given up as soon as its pace shows it will miss a waiter's deadline, not only at the deadline. */
  private onChunk(segmentId: string): void {
    const transfer = this.transfers.get(segmentId);
    if (!transfer) return;
    for (const [requestId, waiter] of transfer.waiters) {
      if (isHopeless(this.progressOf(transfer, waiter.deadlineAt - this.deps.now())))
        this.release(requestId, 'too-slow');
    }
  }

  /**
   * Stops waiting for `requestId`; answers the worker with a miss when `reason` is given (the network takes over).
   * A download nobody waits for any more is cancelled — the network fetch will fill the cache anyway — unless it is a
   * prefetch the player merely stopped asking for.
   */
  private release(requestId: number, reason: string | undefined): void {
    const transfer = this.waiting.get(requestId);
    if (!transfer) return;
    clearTimeout(transfer.waiters.get(requestId)?.timer);
    transfer.waiters.delete(requestId);
    this.waiting.delete(requestId);
    if (reason !== undefined) this.miss(requestId, reason);
    if (transfer.waiters.size > 0 || (transfer.prefetch && reason === undefined)) return;
    transfer.download.cancel(reason === 'deadline' || reason === 'too-slow');
  }

  private async finish(transfer: Transfer, result: DownloadResult): Promise<void> {
    clearTimeout(transfer.timer);
    const requestIds = [...transfer.waiters.keys()];
    for (const waiter of transfer.waiters.values()) clearTimeout(waiter.timer);
    for (const requestId of requestIds) this.waiting.delete(requestId);
    transfer.waiters.clear();
    if (!result.ok) {
      for (const requestId of requestIds) this.miss(requestId, `peer-${result.reason}: ${result.detail}`);
    } else if (requestIds.length > 0) {
      requestIds.forEach((requestId, index) => {
        // Copies for all but the last waiter: a transferred buffer is gone from this side.
        this.answer(
          requestId,
          transfer.peerId,
          index === requestIds.length - 1 ? result.data : result.data.slice(0),
          result.sha256,
        );
      });
    } else if (transfer.prefetch) {
      // Listed as downloading until it is in the cache, so the plan does not fetch it again meanwhile; a request
      // arriving in that window is answered from these bytes.
      transfer.completed = result;
      await this.deps.prefetched(transfer.segment, result.data, result.sha256);
    }
    if (this.transfers.get(transfer.segment.id) === transfer) this.transfers.delete(transfer.segment.id);
    this.deps.settled();
  }

  private answer(requestId: number, peerId: string, data: ArrayBuffer, sha256: string): void {
    this.answeredBy.set(requestId, peerId);
    this.deps.respond({ type: 'segment-response', requestId, status: 'ok', data, sha256 }, [data]);
  }

  private miss(requestId: number, reason: string): void {
    this.deps.respond({ type: 'segment-response', requestId, status: 'miss', reason });
  }

  /** The worker's port changed: its requests are void (nobody would read the answers). */
  reset(): void {
    for (const requestId of [...this.parked.keys()]) this.unpark(requestId, undefined);
    for (const [requestId, transfer] of [...this.waiting]) {
      clearTimeout(transfer.waiters.get(requestId)?.timer);
      transfer.waiters.delete(requestId);
      this.waiting.delete(requestId);
      if (transfer.waiters.size === 0 && !transfer.prefetch) transfer.download.cancel();
    }
  }

  destroy(): void {
    this.reset();
    for (const transfer of [...this.transfers.values()]) {
      clearTimeout(transfer.timer);
      transfer.download.cancel();
    }
    this.transfers.clear();
  }
}
