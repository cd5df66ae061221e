// Live segments peers said they are fetching from the network (FETCHING), and when each one's HAVE is due, so a viewer
// about to fetch the same segment waits for it instead of racing it to the CDN; and telling our peers, once per
// segment, when we fetch one. A peer whose announced fetches keep not arriving is not believed for a while.
import { BoundedMap } from '../shared/bounded-map';

export interface FetchHintsDeps {
  now: () => number;
  /** Sends FETCHING for `segmentId` to every open peer. */
  tell: (segmentId: string, etaMs: number) => void;
}

/**
 * Beyond the network fetch itself: the worker handing the bytes over, storing them, the HAVE crossing one data
 * channel, timers' slack — slow on a busy machine: in the 9-viewer lab (CPU ~99 %) a second viewer's fetch of the
 * same segment finished a median 130–320 ms after the first one's.
 */
export const ANNOUNCE_SLACK_MS = 700;
/** Longest fetch a peer is believed about: a wait is bounded by the waiter's own buffer anyway. */
const MAX_BELIEVED_ETA_MS = 10_000;
/** Segments whose announced fetches are remembered (live edges: a few per rendition). */
const MAX_SEGMENTS = 64;
/** Peers whose missed fetches are counted (more than a viewer connects to). */
const PEERS_KEPT = 64;
/** Announced fetches in a row that did not arrive in time before a peer's announcements are ignored… */
const MAX_MISSED = 3;
/** …for this long. */
const IGNORE_MS = 30_000;

export class FetchHints {
  /** Per segment: the peers fetching it, and when each one's HAVE is due. */
  private readonly due = new BoundedMap<string, Map<string, number>>(MAX_SEGMENTS);
  private readonly missed = new BoundedMap<string, number>(PEERS_KEPT);
  private readonly ignoredUntil = new BoundedMap<string, number>(PEERS_KEPT);
  private readonly told = new BoundedMap<string, true>(MAX_SEGMENTS);

  constructor(private readonly deps: FetchHintsDeps) {}

  /** `peerId` says it is fetching `segmentId`, expecting it in `etaMs`. */
  heard(peerId: string, segmentId: string, etaMs: number): void {
    const now = this.deps.now();
    if ((this.ignoredUntil.get(peerId) ?? 0) > now) return;
    const peers = this.due.get(segmentId) ?? new Map<string, number>();
    peers.set(peerId, now + Math.min(etaMs, MAX_BELIEVED_ETA_MS) + ANNOUNCE_SLACK_MS);
    this.due.set(segmentId, peers);
  }

  /** `peerId` announced it holds `segmentIds`: the fetches it told us of arrived. */
  announced(peerId: string, segmentIds: readonly string[]): void {
    for (const segmentId of segmentIds) {
      if (this.due.get(segmentId)?.delete(peerId)) this.missed.delete(peerId);
    }
  }

  /** The connection to `peerId` is gone: nothing it fetches will reach us. */
  forget(peerId: string): void {
    for (const peers of this.due.values()) peers.delete(peerId);
  }

  /**
   * When the last HAVE is due of the peers fetching `segmentId` that `usable` accepts; undefined: none is. A fetch
   * past its due time is over (the peer is slow, or said so falsely): it counts against the peer.
   */
  dueAt(segmentId: string, usable: (peerId: string) => boolean): number | undefined {
    const peers = this.due.get(segmentId);
    if (!peers) return undefined;
    const now = this.deps.now();
    let last: number | undefined;
    for (const [peerId, dueAt] of [...peers]) {
      if (dueAt <= now) {
        peers.delete(peerId);
        this.missedOne(peerId, now);
      } else if (usable(peerId)) last = Math.max(last ?? 0, dueAt);
    }
    return last;
  }

  /** We are fetching `segmentId` from the network, expecting it in `etaMs`: our peers hear it once. */
  fetching(segmentId: string, etaMs: number): void {
    if (this.told.has(segmentId)) return;
    this.told.set(segmentId, true);
    this.deps.tell(segmentId, etaMs);
  }

  private missedOne(peerId: string, now: number): void {
    const missed = (this.missed.get(peerId) ?? 0) + 1;
    this.missed.set(peerId, missed);
    if (missed < MAX_MISSED) return;
    this.missed.delete(peerId);
    this.ignoredUntil.set(peerId, now + IGNORE_MS);
  }
}
