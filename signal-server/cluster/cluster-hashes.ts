// Segment-hash votes across processes (cluster mode): the ledger lives in Redis, one atomic script per vote,
// per query and per hash the hash service publishes or releases, so viewers on different processes count toward
// one quorum. A query registers its process to hear of hashes still missing; the process whose vote (or
// publication) accepts a hash tells exactly those processes.

import type { AcceptedHash, HashSource, SegmentHash } from '../../protocol/signaling/hash-messages';
import type { SignalServerConfig } from '../config';
import type { HashLedgerPort, HashVote, PublishResult, VoteResult } from '../trust/hash-ledger';
import { parseCandidate } from '../trust/hash-ledger';
import type { ClusterMessage } from './cluster-messages';
import type { ClusterTelemetry } from './cluster-metrics';
import type { ClusterKeys, ScriptedRedis } from './redis-scripts';

export interface ClusterHashesDeps {
  redis: ScriptedRedis;
  keys: ClusterKeys;
  /** This process's id. */
  node: string;
  config: Pick<
    SignalServerConfig,
    'hashQuorum' | 'hashVotesPerSegment' | 'hashSegmentsPerSwarm' | 'hashTtlMs' | 'hashWaitMs'
  >;
  telemetry: ClusterTelemetry;
  /** Sends a message to another process (batched with the rest of this turn's traffic). */
  post(node: string, message: ClusterMessage): void;
}

const VOTE_RESULTS: ReadonlySet<string> = new Set(['counted', 'agreed', 'conflict', 'duplicate', 'full']);
const PUBLISH_RESULTS: ReadonlySet<string> = new Set(['upgraded', 'agreed', 'conflict']);

export class ClusterHashes implements HashLedgerPort {
  constructor(private readonly deps: ClusterHashesDeps) {}

  /** 'unavailable' while Redis does not answer: no vote is trusted from one process alone. */
  async vote(vote: HashVote): Promise<VoteResult> {
    const { redis, keys, config } = this.deps;
    const base = keys.hashes(vote.swarm);
    const candidate = `${vote.size} ${vote.sha256}`;
    try {
      const [result, waiting] = await redis.voteHash(
        `${base}:s:${vote.segment}`,
        `${base}:w:${vote.segment}`,
        `${base}:i`,
        vote.reporter,
        vote.ip ?? vote.reporter,
        candidate,
        config.hashQuorum,
        config.hashTtlMs,
        config.hashVotesPerSegment,
        config.hashSegmentsPerSwarm,
        vote.segment,
        `${base}:s:`,
        vote.hold ? '1' : '0',
      );
      if (result !== 'accepted') return VOTE_RESULTS.has(result) ? (result as VoteResult) : 'unavailable';
      this.tell(waiting ?? [], vote.swarm, parseCandidate(vote.segment, candidate, 'swarm'));
      return 'accepted';
    } catch {
      this.deps.telemetry.redisError('hash');
      return 'unavailable';
    }
  }

  async publish(swarm: string, hash: SegmentHash): Promise<PublishResult> {
    const { redis, keys, config } = this.deps;
    const base = keys.hashes(swarm);
    const { segment } = hash;
    try {
      const [result, waiting] = await redis.publishHash(
        `${base}:s:${segment}`,
        `${base}:w:${segment}`,
        `${base}:i`,
        `${hash.size} ${hash.sha256}`,
        config.hashTtlMs,
        config.hashSegmentsPerSwarm,
        segment,
        `${base}:s:`,
      );
      if (result !== 'published')
        return PUBLISH_RESULTS.has(result) ? (result as PublishResult) : 'unavailable';
      this.tell(waiting ?? [], swarm, { ...hash, source: 'origin' });
      return 'published';
    } catch {
      this.deps.telemetry.redisError('hash');
      return 'unavailable';
    }
  }

  async release(swarm: string, segment: string): Promise<AcceptedHash | null> {
    const { redis, keys, config } = this.deps;
    const base = keys.hashes(swarm);
    try {
      const reply = await redis.releaseHash(
        `${base}:s:${segment}`,
        `${base}:w:${segment}`,
        `${base}:i`,
        config.hashQuorum,
        config.hashTtlMs,
        config.hashSegmentsPerSwarm,
        segment,
        `${base}:s:`,
      );
      if (reply[0] !== 'accepted') return null;
      const hash = parseCandidate(segment, reply[1], 'swarm');
      this.tell(reply[2], swarm, hash);
      return hash;
    } catch {
      this.deps.telemetry.redisError('hash');
      return null;
    }
  }

  /** Accepted hashes among `segments`; this process hears of the others when accepted. [] while Redis is down. */
  async lookup(swarm: string, segments: readonly string[]): Promise<AcceptedHash[]> {
    const { redis, keys, node, config } = this.deps;
    const base = keys.hashes(swarm);
    const entries = segments.map((segment) => `${base}:s:${segment}`);
    const waiters = segments.map((segment) => `${base}:w:${segment}`);
    try {
      const found = await redis.queryHashes(
        entries.length * 2 + 1,
        ...entries,
        ...waiters,
        `${base}:i`,
        node,
        config.hashWaitMs,
        config.hashTtlMs,
        ...segments,
      );
      return segments.flatMap((segment, n) => {
        const [size, sha256, origin] = (found[n] ?? '').split(' ');
        const source: HashSource = origin === 'origin' ? 'origin' : 'swarm';
        return size && sha256 ? [parseCandidate(segment, `${size} ${sha256}`, source)] : [];
      });
    } catch {
      this.deps.telemetry.redisError('hash');
      return [];
    }
  }

  /** This process's own waiters hear of `hash` from the exchange; the other waiting processes through their channels. */
  private tell(waiting: readonly string[], swarm: string, hash: AcceptedHash): void {
    for (const waiter of waiting)
      if (waiter !== this.deps.node) this.deps.post(waiter, { type: 'hash', swarm, hash });
  }
}
