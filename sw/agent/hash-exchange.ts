// This viewer's side of the swarm's hash agreement at the signal server: reports the hash of every segment it
// fetched from the network, asks (in batches) for the accepted hash of segments peers announce, and reports peers
// it banned. The server answers a query at once with what it has accepted, and once more per segment accepted later.

import {
  type AcceptedHash,
  type HashClientMessage,
  MAX_QUERY_SEGMENTS,
  MAX_REPORT_REASON_LENGTH,
} from '../../protocol/signaling/hash-messages';
import { BoundedMap } from '../shared/bounded-map';

export interface HashExchangeDeps {
  now: () => number;
  /** Sends on the signal connection; false while it is down (the message is dropped). */
  send: (message: HashClientMessage) => boolean;
}

/** Segments asked about and not answered yet, remembered to ask again after a reconnect. */
const MAX_ASKED = 4096;
/**
 * A segment still unanswered this long after asking is asked again when needed: the server keeps a waiting query
 * only for a while, and a VoD segment may reach its quorum much later (when another viewer gets that far).
 */
const REASK_AFTER_MS = 20_000;
/** Asked again after a reconnect, newest first: the server forgot our waiting queries with the old socket. */
const REASKED_ON_RECONNECT = 256;
/** Announcements arrive in bursts (a peer's full list, several peers at once): one query per swarm per burst. */
const BATCH_DELAY_MS = 20;
/** How long a request may wait for the answer to a query before going on without it. */
const ANSWER_WAIT_MS = 500;

export class HashExchange {
  /** Segments asked about whose hash has not come yet: their swarm and when we asked. */
  private readonly asked = new BoundedMap<string, { swarm: string; at: number }>(MAX_ASKED);
  private readonly batches = new Map<string, Set<string>>();
  /** Per swarm: when the oldest query still unanswered went out. */
  private readonly unanswered = new Map<string, number>();
  /** Swarms the signal server's hash service answers for (an origin hash came): a missing hash is on its way. */
  private readonly originSwarms = new Set<string>();
  private batchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: HashExchangeDeps) {}

  /** Asks for the accepted hash of `segmentId` (once; batched with others of the burst). */
  want(swarm: string, segmentId: string): void {
    const now = this.deps.now();
    const asked = this.asked.get(segmentId);
    if (asked && now - asked.at < REASK_AFTER_MS) return;
    this.asked.set(segmentId, { swarm, at: now });
    let batch = this.batches.get(swarm);
    if (!batch) {
      batch = new Set();
      this.batches.set(swarm, batch);
    }
    batch.add(segmentId);
    this.batchTimer ??= setTimeout(() => this.flush(), BATCH_DELAY_MS);
  }

  private flush(): void {
    this.batchTimer = undefined;
    for (const [swarm, batch] of this.batches) this.query(swarm, [...batch]);
    this.batches.clear();
  }

  private query(swarm: string, segmentIds: string[]): void {
    for (let start = 0; start < segmentIds.length; start += MAX_QUERY_SEGMENTS) {
      const segments = segmentIds.slice(start, start + MAX_QUERY_SEGMENTS);
      if (
        this.deps.send({ type: 'SEGMENT-HASH-QUERY', payload: { swarm, segments } }) &&
        !this.unanswered.has(swarm)
      )
        this.unanswered.set(swarm, this.deps.now());
    }
  }

  /** Hashes came for `swarm` (an answer, or a late acceptance): those segments need no more asking. */
  answered(swarm: string, hashes: readonly Pick<AcceptedHash, 'segment' | 'source'>[]): void {
    this.unanswered.delete(swarm);
    for (const { segment, source } of hashes) {
      this.asked.delete(segment);
      if (source === 'origin') this.originSwarms.add(swarm);
    }
  }

  /**
   * The signal server hashes `swarm`'s segments itself (its hash service sent one): the hash of a segment a peer
   * just announced is probably moments away, worth a short wait rather than a network fetch.
   */
  servesOriginHashes(swarm: string): boolean {
    return this.originSwarms.has(swarm);
  }

  /**
   * A query of `swarm` is about to go out (batched) or went out moments ago, and its answer may still make holders
   * we know of usable: without the first half, a request parked for peers arriving went to the network in the
   * batch delay right after their announcements came.
   */
  awaiting(swarm: string): boolean {
    const sentAt = this.unanswered.get(swarm);
    return this.batches.has(swarm) || (sentAt !== undefined && this.deps.now() - sentAt < ANSWER_WAIT_MS);
  }

  /** We fetched this segment from the network: our vote for its hash. */
  report(swarm: string, segmentId: string, size: number, sha256: string): void {
    this.deps.send({ type: 'SEGMENT-HASH', payload: { swarm, segment: segmentId, size, sha256 } });
  }

  reportPeer(swarm: string, peerId: string, reason: string): void {
    this.deps.send({
      type: 'PEER-REPORT',
      payload: { swarm, peer: peerId, reason: reason.slice(0, MAX_REPORT_REASON_LENGTH) },
    });
  }

  /** A new signal connection: ask again about the newest unanswered segments. */
  reconnected(): void {
    this.unanswered.clear();
    const bySwarm = new Map<string, string[]>();
    for (const [segmentId, { swarm }] of [...this.asked].slice(-REASKED_ON_RECONNECT)) {
      const list = bySwarm.get(swarm) ?? [];
      list.push(segmentId);
      bySwarm.set(swarm, list);
    }
    for (const [swarm, segmentIds] of bySwarm) this.query(swarm, segmentIds);
  }

  forgetSwarm(swarm: string): void {
    this.batches.delete(swarm);
    this.originSwarms.delete(swarm);
    this.unanswered.delete(swarm);
    for (const [segmentId, asked] of [...this.asked]) if (asked.swarm === swarm) this.asked.delete(segmentId);
  }

  destroy(): void {
    clearTimeout(this.batchTimer);
    this.batches.clear();
  }
}
