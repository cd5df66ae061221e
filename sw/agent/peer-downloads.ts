// The downloads from peers behind the fetcher: one per segment, however many player requests wait for it, each
// waiter with its own deadline. A slow peer is given up as soon as its pace shows it will miss a waiter's deadline.
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import type { Download, DownloadResult } from './download-table';
import type { PeerChannel } from './peer-channel';
import { type Holder, isHopeless, MIN_PEER_WINDOW_MS, prefetchDeadlineMs } from './scheduler';

/** One segment-request of the worker, as it goes from plan to plan. */
export interface Ask {
  requestId: number;
  segment: SegmentRef;
  maxWaitMs: number;
  /** When the worker's request arrived (its budgets count from there). */
  receivedAt: number;
  /** Peer downloads tried for it so far (a failed one is replaced while time allows: segment-fetcher.ts). */
  attempt: number;
}

interface Waiter {
  ask: Ask;
  deadlineAt: number;
  timer: ReturnType<typeof setTimeout>;
}

export interface Transfer {
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

export interface PeerDownloadsDeps {
  now: () => number;
  /** How long `ask` may wait for a download of `size` bytes from now, ms, given the player's buffer now. */
  deadlineMs: (ask: Ask, size: number) => number;
  channel: (peerId: string) => PeerChannel | undefined;
  /** Verified bytes for a waiting request (transferred: the buffer is gone from this side). */
  answer(requestId: number, peerId: string, data: ArrayBuffer, sha256: string): void;
  /** A waiting request goes to the network. */
  miss(ask: Ask, reason: string): void;
  /** The download `ask` waited for failed: try another holder, or the network. */
  failed(ask: Ask, reason: string): void;
  /** A prefetch completed (verified) and no request waits for it: keep it (resolves once stored or given up). */
  prefetched: (segment: SegmentRef, data: ArrayBuffer, sha256: string) => Promise<void>;
  /** A download ended: a prefetch slot may be free. */
  settled: () => void;
}

export class PeerDownloads {
  private readonly transfers = new Map<string, Transfer>();
  private readonly waiting = new Map<number, Transfer>();

  constructor(private readonly deps: PeerDownloadsDeps) {}

  get activePrefetches(): number {
    let count = 0;
    for (const transfer of this.transfers.values()) if (transfer.prefetch) count++;
    return count;
  }

  get(segmentId: string): Transfer | undefined {
    return this.transfers.get(segmentId);
  }

  isWaiting(requestId: number): boolean {
    return this.waiting.has(requestId);
  }

  /** Downloads `segment` into the cache from `holder`, given up past the prefetch deadline. */
  prefetch(segment: SegmentRef, holder: Holder): void {
    const transfer = this.begin(segment, holder, true);
    if (transfer)
      transfer.timer = setTimeout(() => transfer.download.cancel(true), prefetchDeadlineMs(holder));
  }

  begin(segment: SegmentRef, holder: Holder, prefetch: boolean): Transfer | undefined {
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

  attach(transfer: Transfer, ask: Ask, deadlineMs: number): void {
    const timer = setTimeout(() => this.renewOr(ask.requestId, 'deadline'), deadlineMs);
    transfer.waiters.set(ask.requestId, { ask, deadlineAt: this.deps.now() + deadlineMs, timer });
    this.waiting.set(ask.requestId, transfer);
  }

  /** How long `ask` may still wait for `transfer`, ms; or why the network should take over now. */
  deadlineFor(ask: Ask, transfer: Transfer): number | 'buffer-low' | 'too-slow' {
    const deadlineMs = this.deps.deadlineMs(ask, transfer.size);
    if (deadlineMs < MIN_PEER_WINDOW_MS) return 'buffer-low';
    return isHopeless(this.progressOf(transfer, deadlineMs)) ? 'too-slow' : deadlineMs;
  }

  /**
   * A waiter's deadline came, or its transfer's pace says it will miss it. Start-up may have ended or the buffer
   * grown since it was set (a busy machine's transfers are slow, not lost): wait on while a deadline set now allows
   * it and the pace keeps up with that one; else the network takes over, for `reason`.
   */
  private renewOr(requestId: number, reason: 'deadline' | 'too-slow'): void {
    const transfer = this.waiting.get(requestId);
    const waiter = transfer?.waiters.get(requestId);
    if (!transfer || !waiter) return;
    const renewedMs = this.deadlineFor(waiter.ask, transfer);
    if (typeof renewedMs === 'string') {
      this.release(requestId, reason);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.deadlineAt = this.deps.now() + renewedMs;
    waiter.timer = setTimeout(() => this.renewOr(requestId, 'deadline'), renewedMs);
  }

  progressOf(transfer: Transfer, remainingMs: number) {
    const { receivedBytes, firstByteAt } = transfer.download.progress();
    const elapsedMs = firstByteAt === undefined ? 0 : this.deps.now() - firstByteAt;
    return { elapsedMs, receivedBytes, totalBytes: transfer.size, remainingMs };
  }

  private onChunk(segmentId: string): void {
    const transfer = this.transfers.get(segmentId);
    if (!transfer) return;
    for (const [requestId, waiter] of transfer.waiters) {
      if (isHopeless(this.progressOf(transfer, waiter.deadlineAt - this.deps.now())))
        this.renewOr(requestId, 'too-slow');
    }
  }

  /**
   * Stops waiting for `requestId`; answers the worker with a miss when `reason` is given (the network takes over).
   * A download nobody waits for any more is cancelled — the network fetch will fill the cache anyway — unless it is a
   * prefetch the player merely stopped asking for.
   */
  release(requestId: number, reason: string | undefined): void {
    const transfer = this.waiting.get(requestId);
    const waiter = transfer?.waiters.get(requestId);
    if (!transfer || !waiter) return;
    clearTimeout(waiter.timer);
    transfer.waiters.delete(requestId);
    this.waiting.delete(requestId);
    if (reason !== undefined) this.deps.miss(waiter.ask, reason);
    if (transfer.waiters.size > 0 || (transfer.prefetch && reason === undefined)) return;
    transfer.download.cancel(reason === 'deadline' || reason === 'too-slow');
  }

  private async finish(transfer: Transfer, result: DownloadResult): Promise<void> {
    clearTimeout(transfer.timer);
    const waiters = [...transfer.waiters.values()];
    const requestIds = [...transfer.waiters.keys()];
    for (const waiter of waiters) clearTimeout(waiter.timer);
    for (const requestId of requestIds) this.waiting.delete(requestId);
    transfer.waiters.clear();
    if (!result.ok) {
      if (this.transfers.get(transfer.segment.id) === transfer) this.transfers.delete(transfer.segment.id);
      for (const { ask } of waiters) this.deps.failed(ask, `peer-${result.reason}: ${result.detail}`);
    } else if (requestIds.length > 0) {
      requestIds.forEach((requestId, index) => {
        // Copies for all but the last waiter: a transferred buffer is gone from this side.
        this.deps.answer(
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

  /** The worker's port changed: no request waits any more; downloads only they wanted are cancelled. */
  reset(): void {
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
