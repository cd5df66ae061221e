// Gets segments from peers: for the player (answering the worker's segment-request within its deadline, never
// late; parked while an announcement is worth waiting for) and for the cache (prefetch). The downloads themselves,
// one per segment however many requests wait for it, are peer-downloads.ts.

import type { PageToWorkerMessage } from '../../protocol/bridge/bridge-messages';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { BoundedMap } from '../shared/bounded-map';
import { type EdgeWait, edgeWaitEnd } from './edge-wait';
import type { PlaybackState } from './media-observer';
import type { PeerChannel } from './peer-channel';
import { type Ask, PeerDownloads } from './peer-downloads';
import { arrivalWaitMs, type PeerWait, peerWait } from './peer-wait';
import {
  cannotKeepMargin,
  type Holder,
  MIN_PEER_WINDOW_MS,
  planPlayerRequest,
  requestDeadlineMs,
  type SchedulerConfig,
} from './scheduler';

export interface FetcherDeps {
  now: () => number;
  config: SchedulerConfig;
  /**
   * Holders we may download `segment` from (FetchPlanner: for a live one, near ones only beyond the cross-network
   * budget, unless `racing`: the network alone would not keep the buffer's margin).
   */
  holdersOf: (segment: SegmentRef, racing: boolean) => Holder[];
  channel: (peerId: string) => PeerChannel | undefined;
  playback: () => PlaybackState;
  /** Peers of `swarm` may be about to announce segments (connecting, or the member list not in yet). */
  peersPending: (swarm: string) => boolean;
  /** Peers announced `segment` and its hash is on its way from the signal server: they may serve it soon. */
  trustPending: (segment: SegmentRef) => boolean;
  /** For a live segment, in a swarm with other peers: our turn to fetch it from the network (edgeRank); else null. */
  edgeRank: (segment: SegmentRef) => number | null;
  /** When the HAVE is due of a peer we may use that said it is fetching `segment` (FETCHING); else undefined. */
  fetchedAt: (segment: SegmentRef) => number | undefined;
  /** `segment` goes to the network now (a miss): for a live one, our peers hear of it. */
  toNetwork: (segment: SegmentRef) => void;
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

/** A request waiting for an announcement (see peerWait), sent to the network when its timer fires. */
interface Parked {
  ask: Ask;
  until: PeerWait['until'];
  timer: ReturnType<typeof setTimeout>;
  /** Waited for a hash on its way already: not extended again (see expired). */
  extended: boolean;
  /** A wait at the live edge, which peers' FETCHING move (edge-wait.ts). */
  edge?: EdgeWait;
}

/** Answered requests remembered, to blame the sender if the worker later rejects the bytes. */
const ANSWERS_REMEMBERED = 128;
/** Peer downloads tried per request: a busy or vanished holder is replaced by another, twice at most. */
const MAX_ATTEMPTS = 3;

export class SegmentFetcher {
  private readonly downloads: PeerDownloads;
  private readonly parked = new Map<number, Parked>();
  private readonly answeredBy = new BoundedMap<number, string>(ANSWERS_REMEMBERED);

  constructor(private readonly deps: FetcherDeps) {
    this.downloads = new PeerDownloads({
      now: () => this.deps.now(),
      deadlineMs: (ask, size) => {
        const { config, networkMs, now, playback } = this.deps;
        return requestDeadlineMs(ask.maxWaitMs, playback(), networkMs(size), config, now() - ask.receivedAt);
      },
      channel: (peerId) => this.deps.channel(peerId),
      answer: (requestId, peerId, data, sha256) => this.answer(requestId, peerId, data, sha256),
      miss: (ask, reason) => this.miss(ask, reason),
      // Busy, gone, or bad bytes: another holder (or a short wait for one) while time allows, else the network.
      failed: (ask, reason) => {
        if (ask.attempt + 1 < MAX_ATTEMPTS) this.plan({ ...ask, attempt: ask.attempt + 1 });
        else this.miss(ask, reason);
      },
      prefetched: (segment, data, sha256) => this.deps.prefetched(segment, data, sha256),
      settled: () => this.deps.settled(),
    });
  }

  get activePrefetches(): number {
    return this.downloads.activePrefetches;
  }

  isDownloading(segmentId: string): boolean {
    return this.downloads.get(segmentId) !== undefined;
  }

  /** Which peer's bytes answered `requestId` (for a segment-rejected). */
  senderOf(requestId: number): string | undefined {
    return this.answeredBy.get(requestId);
  }

  /**
   * The worker's segment-request: a peer download within the deadline, a miss right now (the network takes over),
   * or a wait for an announcement — of peers still arriving, or at the live edge our turn (see edgeTurnMs).
   */
  request(requestId: number, segment: SegmentRef, maxWaitMs: number): void {
    if (this.downloads.isWaiting(requestId) || this.parked.has(requestId)) return;
    this.plan({ requestId, segment, maxWaitMs, receivedAt: this.deps.now(), attempt: 0 });
  }

  /** `mayPark`: false for a request back from its wait (it goes on with the time left, or to the network). */
  private plan(ask: Ask, mayPark = true): void {
    const reason = this.tryPeers(ask, mayPark);
    if (reason !== null) this.miss(ask, reason);
  }

  /** Attaches `ask` to a download (running or new) or parks it; else the reason to go to the network. */
  private tryPeers(ask: Ask, mayPark: boolean): string | null {
    const { segment, maxWaitMs } = ask;
    const waitedMs = this.deps.now() - ask.receivedAt;
    const playback = this.deps.playback();
    const running = this.downloads.get(segment.id);
    if (running?.completed) {
      this.answer(ask.requestId, running.peerId, running.completed.data.slice(0), running.completed.sha256);
      return null;
    }
    if (running) {
      const deadlineMs = this.downloads.deadlineFor(ask, running);
      if (typeof deadlineMs === 'string') return deadlineMs;
      this.downloads.attach(running, ask, deadlineMs);
      return null;
    }
    const typicalMs = this.deps.networkMs(this.deps.typicalBytes(segment.swarm));
    const holders = this.deps.holdersOf(segment, cannotKeepMargin(playback, typicalMs, this.deps.config));
    if (holders.length === 0 && mayPark && this.park(ask, playback, typicalMs)) return null;
    const size = Math.max(0, ...holders.map((holder) => holder.size));
    const plan = planPlayerRequest(
      { maxWaitMs, holders, playback, networkMs: this.deps.networkMs(size), waitedMs },
      this.deps.config,
    );
    if (plan.action === 'miss') return plan.reason;
    const transfer = this.downloads.begin(segment, plan.holder, false);
    if (!transfer) return 'peer-gone';
    this.downloads.attach(transfer, ask, plan.deadlineMs);
    return null;
  }

  /** Parks `ask` (nobody holds its segment) when an announcement is worth waiting for; false: no wait. */
  private park(ask: Ask, playback: PlaybackState, networkMs: number): boolean {
    const now = this.deps.now();
    const trustPending = this.deps.trustPending(ask.segment);
    const fetchedAt = ask.attempt === 0 ? this.deps.fetchedAt(ask.segment) : undefined;
    const rank = ask.attempt === 0 ? this.deps.edgeRank(ask.segment) : null;
    const wait = peerWait(
      {
        attempt: ask.attempt,
        rank,
        fetchedInMs: fetchedAt === undefined ? null : fetchedAt - now,
        peersPending: this.deps.peersPending(ask.segment.swarm),
        trustPending,
        leftMs: ask.maxWaitMs - (now - ask.receivedAt),
        playback,
        networkMs,
        media: ask.segment.durationSec > 0,
      },
      this.deps.config,
    );
    if (!wait) return false;
    const { requestId } = ask;
    // A wait that was already for the hash is not extended when it runs out.
    const timer = this.waitTimer(requestId, wait.waitMs);
    const parked: Parked = { ask, until: wait.until, timer, extended: trustPending };
    if (wait.edgeLimitMs !== undefined) {
      const followed = fetchedAt !== undefined;
      const limitAt = now + wait.edgeLimitMs;
      parked.edge = { rank: rank ?? 0, limitAt, turnFrom: now, followed, endsAt: now + wait.waitMs };
    }
    this.parked.set(requestId, parked);
    return true;
  }

  private waitTimer(requestId: number, waitMs: number): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      // A peer said meanwhile that it fetches the segment: wait for it rather than race it to the network.
      if (!this.retimeEdge(requestId, true)) this.expired(requestId);
    }, waitMs);
  }

  /**
   * Re-times a wait at the live edge (peers' FETCHING came or went; `fired`: its timer just ran out); false when it
   * is not one, or is over: the network's turn.
   */
  private retimeEdge(requestId: number, fired: boolean): boolean {
    const parked = this.parked.get(requestId);
    if (!parked?.edge) return false;
    const endsAt = edgeWaitEnd(parked.edge, this.deps.fetchedAt(parked.ask.segment), this.deps.now());
    const leftMs = endsAt - this.deps.now();
    if (leftMs < 1) return false;
    if (fired || endsAt !== parked.edge.endsAt) {
      clearTimeout(parked.timer);
      parked.timer = this.waitTimer(requestId, leftMs);
      parked.edge.endsAt = endsAt;
    }
    return true;
  }

  /**
   * A wait ran out. If a peer announced the segment meanwhile and only its hash is missing (the signal server is
   * hashing it), the request waits once more, as long as a peer wait may, within its deadline; else the network.
   */
  private expired(requestId: number): void {
    const parked = this.parked.get(requestId);
    if (!parked) return;
    const { ask } = parked;
    const waitMs =
      !parked.extended && this.deps.trustPending(ask.segment)
        ? arrivalWaitMs(
            ask.maxWaitMs - (this.deps.now() - ask.receivedAt),
            this.deps.playback(),
            this.deps.networkMs(this.deps.typicalBytes(ask.segment.swarm)),
            this.deps.config,
          )
        : 0;
    if (waitMs < MIN_PEER_WINDOW_MS) {
      this.unpark(requestId, 'no-peer');
      return;
    }
    // Now a wait for the hash, which peers' FETCHING no longer move.
    parked.extended = true;
    parked.edge = undefined;
    parked.timer = setTimeout(() => this.unpark(requestId, 'no-peer'), waitMs);
  }

  /** Downloads `segment` into the cache from `holder` (the scheduler chose both). */
  prefetch(segment: SegmentRef, holder: Holder): void {
    if (this.downloads.get(segment.id)) return;
    this.downloads.prefetch(segment, holder);
  }

  /**
   * Peers announced, connected, left, said what they fetch, or the member list came in: waiting requests with a
   * holder now go on; waits at the live edge follow the peers' fetches.
   */
  retryParked(): void {
    for (const [requestId, parked] of [...this.parked]) {
      const { segment } = parked.ask;
      if (this.deps.holdersOf(segment, false).length === 0) {
        if (parked.edge && !this.retimeEdge(requestId, false)) {
          this.unpark(requestId, 'no-peer');
          continue;
        }
        const { peersPending, trustPending } = this.deps;
        if (parked.until === 'holders' || peersPending(segment.swarm) || trustPending(segment)) continue;
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
    if (reason !== undefined) this.miss(parked.ask, reason);
  }

  /** The worker no longer needs `requestId` (the player aborted). */
  cancel(requestId: number): void {
    this.unpark(requestId, undefined);
    this.downloads.release(requestId, undefined);
  }

  private answer(requestId: number, peerId: string, data: ArrayBuffer, sha256: string): void {
    this.answeredBy.set(requestId, peerId);
    this.deps.respond({ type: 'segment-response', requestId, status: 'ok', data, sha256 }, [data]);
  }

  /** The network takes over `ask`. */
  private miss(ask: Ask, reason: string): void {
    this.deps.toNetwork(ask.segment);
    this.deps.respond({ type: 'segment-response', requestId: ask.requestId, status: 'miss', reason });
  }

  /** The worker's port changed: its requests are void (nobody would read the answers). */
  reset(): void {
    for (const requestId of [...this.parked.keys()]) this.unpark(requestId, undefined);
    this.downloads.reset();
  }

  destroy(): void {
    this.reset();
    this.downloads.destroy();
  }
}
