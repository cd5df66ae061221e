// Downloads segments from peers: for the player (answering the worker's segment-request within its deadline,
// never late) and for the cache (prefetch). One download per segment, however many requests wait for it.

import type { PageToWorkerMessage } from '../../protocol/bridge/bridge-messages';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { BoundedMap } from '../shared/bounded-map';
import type { Download, DownloadResult } from './download-table';
import type { PlaybackState } from './media-observer';
import type { PeerChannel } from './peer-channel';
import { type PeerWait, peerWait } from './peer-wait';
import {
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
  /** For a live segment, in a swarm with other peers: our turn to fetch it from the network (edgeRank); else null. */
  edgeRank: (segment: SegmentRef) => number | null;
  /** Expected network time for a segment of `bytes`, ms. */
  networkMs: (bytes: number) => number;
  /** Size of a recent segment of `swarm` (0 when none is known): what one not announced yet probably weighs. */
  typicalBytes: (swarm: string) => number;
  respond: (message: PageToWorkerMessage, transfer?: Transferable[]) => void;
  /** A prefetch completed (verified) and no request waits for it: keep it (resolves once stored or given up). */
  prefetched: (segment: SegmentRef, data: ArrayBuffer, sha256: string) => Promise<void>;
  /** A download ended: a prefetch slot may be free. */
  settled: () => void;
}

/** One segment-request of the worker, as it goes from plan to plan. */
interface Ask {
  requestId: number;
  segment: SegmentRef;
  maxWaitMs: number;
  /** When the worker's request arrived (its budgets count from there). */
  receivedAt: number;
  /** Peer downloads tried for it so far (a failed one is replaced while time allows, up to MAX_ATTEMPTS). */
  attempt: number;
}

interface Waiter {
  ask: Ask;
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

/** A request waiting for an announcement (see peerWait), sent to the network when its timer fires. */
interface Parked {
  ask: Ask;
  until: PeerWait['until'];
  timer: ReturnType<typeof setTimeout>;
}

/** Answered requests remembered, to blame the sender if the worker later rejects the bytes. */
const ANSWERS_REMEMBERED = 128;
/** Peer downloads tried per request: a busy or vanished holder is replaced by another, twice at most. */
const MAX_ATTEMPTS = 3;

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
   * The worker's segment-request: a peer download within the deadline, a miss right now (the network takes over),
   * or a wait for an announcement — of peers still arriving, or at the live edge our turn (see edgeWaitMs).
   */
  request(requestId: number, segment: SegmentRef, maxWaitMs: number): void {
    if (this.waiting.has(requestId) || this.parked.has(requestId)) return;
    this.plan({ requestId, segment, maxWaitMs, receivedAt: this.deps.now(), attempt: 0 });
  }

  /** `mayPark`: false for a request back from its wait (it goes on with the time left, or to the network). */
  private plan(ask: Ask, mayPark = true): void {
    const reason = this.tryPeers(ask, mayPark);
    if (reason !== null) this.miss(ask.requestId, reason);
  }

  /** Attaches `ask` to a download (running or new) or parks it; else the reason to go to the network. */
  private tryPeers(ask: Ask, mayPark: boolean): string | null {
    const { segment, maxWaitMs } = ask;
    const waitedMs = this.deps.now() - ask.receivedAt;
    const playback = this.deps.playback();
    const running = this.transfers.get(segment.id);
    if (running?.completed) {
      this.answer(ask.requestId, running.peerId, running.completed.data.slice(0), running.completed.sha256);
      return null;
    }
    if (running) {
      const networkMs = this.deps.networkMs(running.size);
      const deadlineMs = requestDeadlineMs(maxWaitMs, playback, networkMs, this.deps.config, waitedMs);
      if (deadlineMs < MIN_PEER_WINDOW_MS) return 'buffer-low';
      if (isHopeless(this.progressOf(running, deadlineMs))) return 'too-slow';
      this.attach(running, ask, deadlineMs);
      return null;
    }
    const holders = this.deps.holdersOf(segment.id);
    if (holders.length === 0 && mayPark && this.park(ask, playback)) return null;
    const size = Math.max(0, ...holders.map((holder) => holder.size));
    const plan = planPlayerRequest(
      { maxWaitMs, holders, playback, networkMs: this.deps.networkMs(size), waitedMs },
      this.deps.config,
    );
    if (plan.action === 'miss') return plan.reason;
    const transfer = this.begin(segment, plan.holder, false);
    if (!transfer) return 'peer-gone';
    this.attach(transfer, ask, plan.deadlineMs);
    return null;
  }

  /** Parks `ask` (nobody holds its segment) when an announcement is worth waiting for; false: no wait. */
  private park(ask: Ask, playback: PlaybackState): boolean {
    const wait = peerWait(
      {
        attempt: ask.attempt,
        rank: ask.attempt === 0 ? this.deps.edgeRank(ask.segment) : null,
        peersPending: this.deps.peersPending(ask.segment.swarm),
        leftMs: ask.maxWaitMs - (this.deps.now() - ask.receivedAt),
        playback,
        networkMs: this.deps.networkMs(this.deps.typicalBytes(ask.segment.swarm)),
      },
      this.deps.config,
    );
    if (!wait) return false;
    const timer = setTimeout(() => this.unpark(ask.requestId, 'no-peer'), wait.waitMs);
    this.parked.set(ask.requestId, { ask, until: wait.until, timer });
    return true;
  }

  /** Downloads `segment` into the cache from `holder` (the scheduler chose both). */
  prefetch(segment: SegmentRef, holder: Holder): void {
    if (this.transfers.has(segment.id)) return;
    const transfer = this.begin(segment, holder, true);
    if (transfer)
      transfer.timer = setTimeout(() => transfer.download.cancel(true), prefetchDeadlineMs(holder));
  }

  /** Peers announced, connected, left, or the member list came in: waiting requests with a holder now go on. */
  retryParked(): void {
    for (const [requestId, parked] of [...this.parked]) {
      const { segment } = parked.ask;
      if (this.deps.holdersOf(segment.id).length === 0) {
        if (parked.until === 'holders' || this.deps.peersPending(segment.swarm)) continue;
      }
      this.unpark(requestId, undefined);
      this.plan(parked.ask, false);
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

  private attach(transfer: Transfer, ask: Ask, deadlineMs: number): void {
    const timer = setTimeout(() => this.release(ask.requestId, 'deadline'), deadlineMs);
    transfer.waiters.set(ask.requestId, { ask, deadlineAt: this.deps.now() + deadlineMs, timer });
    this.waiting.set(ask.requestId, transfer);
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
    const waiters = [...transfer.waiters.values()];
    const requestIds = [...transfer.waiters.keys()];
    for (const waiter of waiters) clearTimeout(waiter.timer);
    for (const requestId of requestIds) this.waiting.delete(requestId);
    transfer.waiters.clear();
    if (!result.ok) {
      if (this.transfers.get(transfer.segment.id) === transfer) this.transfers.delete(transfer.segment.id);
      // Busy, gone, or bad bytes: another holder (or a short wait for one) while time allows, else the network.
      for (const { ask } of waiters) {
        if (ask.attempt + 1 < MAX_ATTEMPTS) this.plan({ ...ask, attempt: ask.attempt + 1 });
        else this.miss(ask.requestId, `peer-${result.reason}: ${result.detail}`);
      }
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
