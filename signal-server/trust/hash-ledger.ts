// Votes for segment hashes, one process (in memory): a hash is accepted once `hashQuorum` distinct reporters
// (connections; with hashQuorumDistinctIps, distinct addresses too) agree, or when the hash service publishes
// what it fetched from the origin; the first accepted is final. While the service fetches a segment, its votes
// are held (counted, never accepted): released by the service only when the origin cannot be fetched.
// Bounded per swarm (least recently used segment forgotten) and per segment; entries expire after hashTtlMs.

import type { AcceptedHash, HashSource, SegmentHash } from '../../protocol/signaling/hash-messages';
import type { SignalServerConfig } from '../config';

/** One SEGMENT-HASH from a member. `ip` null when addresses need not differ (hashQuorumDistinctIps off). */
export interface HashVote extends SegmentHash {
  swarm: string;
  reporter: string;
  ip: string | null;
  /** The hash service is fetching this segment: the vote counts, but no quorum accepts a hash until released. */
  hold: boolean;
}

/**
 * counted: recorded, no quorum yet. accepted: this vote made the quorum. agreed / conflict: a hash was already
 * accepted and this one matches / contradicts it. duplicate: this reporter already voted for this segment.
 * full: hashVotesPerSegment votes are held already. unavailable: the shared store (Redis) did not answer.
 */
export type VoteResult =
  | 'counted'
  | 'accepted'
  | 'agreed'
  | 'conflict'
  | 'duplicate'
  | 'full'
  | 'unavailable';

/**
 * What publishing the origin's hash did. published: accepted now. upgraded: the swarm had accepted the same hash,
 * now it is the origin's. agreed: the origin's already. conflict: the swarm accepted another hash first (kept:
 * the first accepted is final). unavailable: Redis did not answer.
 */
export type PublishResult = 'published' | 'upgraded' | 'agreed' | 'conflict' | 'unavailable';

/** The ledger as the exchange uses it: in memory (synchronous) or in Redis (cluster mode, asynchronous). */
export interface HashLedgerPort {
  vote(vote: HashVote): VoteResult | Promise<VoteResult>;
  /** The accepted hashes among `segments`; in cluster mode also registers this process to hear of the rest. */
  lookup(swarm: string, segments: readonly string[]): AcceptedHash[] | Promise<AcceptedHash[]>;
  /** The hash service fetched `hash.segment` from its origin: accepted with the origin's strength. */
  publish(swarm: string, hash: SegmentHash): PublishResult | Promise<PublishResult>;
  /** The service cannot fetch `segment`: held votes that reached the quorum accept their hash (else null). */
  release(swarm: string, segment: string): AcceptedHash | null | Promise<AcceptedHash | null>;
}

export type HashLedgerLimits = Pick<
  SignalServerConfig,
  'hashQuorum' | 'hashSegmentsPerSwarm' | 'hashVotesPerSegment' | 'hashTtlMs'
>;

/** A candidate is "<size> <sha256>": both must match for two votes to agree. */
interface Entry {
  accepted: string | null;
  source: HashSource;
  /** Reporter → the candidate it voted for (one vote per reporter). Emptied once accepted. */
  votes: Map<string, string>;
  /** Candidate → its distinct addresses (distinct-IP mode) or reporters. */
  support: Map<string, Set<string>>;
  touchedAt: number;
}

export class InMemoryHashLedger implements HashLedgerPort {
  /** Per swarm, segments in least-recently-used order (a Map iterates in insertion order). */
  private readonly swarms = new Map<string, Map<string, Entry>>();

  constructor(
    private readonly limits: HashLedgerLimits,
    private readonly now: () => number,
  ) {}

  get swarmCount(): number {
    return this.swarms.size;
  }

  vote(vote: HashVote): VoteResult {
    const candidate = `${vote.size} ${vote.sha256}`;
    const entry = this.touch(vote.swarm, vote.segment, true) as Entry;
    if (entry.accepted !== null) return entry.accepted === candidate ? 'agreed' : 'conflict';
    if (entry.votes.has(vote.reporter)) return 'duplicate';
    if (entry.votes.size >= this.limits.hashVotesPerSegment) return 'full';
    entry.votes.set(vote.reporter, candidate);
    let support = entry.support.get(candidate);
    if (!support) {
      support = new Set();
      entry.support.set(candidate, support);
    }
    support.add(vote.ip ?? vote.reporter);
    if (vote.hold || support.size < this.limits.hashQuorum) return 'counted';
    accept(entry, candidate, 'swarm');
    return 'accepted';
  }

  lookup(swarm: string, segments: readonly string[]): AcceptedHash[] {
    const found: AcceptedHash[] = [];
    for (const segment of segments) {
      const entry = this.touch(swarm, segment, false);
      if (entry?.accepted) found.push(parseCandidate(segment, entry.accepted, entry.source));
    }
    return found;
  }

  publish(swarm: string, hash: SegmentHash): PublishResult {
    const candidate = `${hash.size} ${hash.sha256}`;
    const entry = this.touch(swarm, hash.segment, true) as Entry;
    if (entry.accepted === null) {
      accept(entry, candidate, 'origin');
      return 'published';
    }
    if (entry.accepted !== candidate) return 'conflict';
    if (entry.source === 'origin') return 'agreed';
    entry.source = 'origin';
    return 'upgraded';
  }

  release(swarm: string, segment: string): AcceptedHash | null {
    const entry = this.touch(swarm, segment, false);
    if (!entry || entry.accepted !== null) return null;
    for (const [candidate, support] of entry.support) {
      if (support.size < this.limits.hashQuorum) continue;
      accept(entry, candidate, 'swarm');
      return parseCandidate(segment, candidate, 'swarm');
    }
    return null;
  }

  /** Forgets a swarm (its last member left). */
  drop(swarm: string): void {
    this.swarms.delete(swarm);
  }

  /** Forgets entries unused for hashTtlMs and swarms `isLive` says have no member any more. */
  expire(isLive: (swarm: string) => boolean): void {
    const before = this.now() - this.limits.hashTtlMs;
    for (const [swarm, entries] of this.swarms) {
      if (!isLive(swarm)) {
        this.swarms.delete(swarm);
        continue;
      }
      // Least recently used first: stop at the first entry still fresh.
      for (const [segment, entry] of entries) {
        if (entry.touchedAt > before) break;
        entries.delete(segment);
      }
      if (entries.size === 0) this.swarms.delete(swarm);
    }
  }

  /** The entry, moved to the most recently used end; created (evicting the least recent) when `create`. */
  private touch(swarm: string, segment: string, create: boolean): Entry | undefined {
    let entries = this.swarms.get(swarm);
    const entry = entries?.get(segment);
    if (entry || create) {
      if (!entries) {
        entries = new Map();
        this.swarms.set(swarm, entries);
      }
      const touched = entry ?? {
        accepted: null,
        source: 'swarm',
        votes: new Map(),
        support: new Map(),
        touchedAt: 0,
      };
      touched.touchedAt = this.now();
      entries.delete(segment);
      entries.set(segment, touched);
      if (entries.size > this.limits.hashSegmentsPerSwarm) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
      return touched;
    }
    return undefined;
  }
}

/** Accepted: the votes are dropped (nothing can change the hash any more). */
function accept(entry: Entry, candidate: string, source: HashSource): void {
  entry.accepted = candidate;
  entry.source = source;
  entry.votes.clear();
  entry.support.clear();
}

/** "<size> <sha256>" → the hash entry for `segment`. */
export function parseCandidate(segment: string, candidate: string, source: HashSource): AcceptedHash {
  const space = candidate.indexOf(' ');
  return { segment, size: Number(candidate.slice(0, space)), sha256: candidate.slice(space + 1), source };
}
