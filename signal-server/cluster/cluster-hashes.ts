// Segment-hash votes across processes (cluster mode): the ledger lives in Redis, one atomic script per vote
// and per query, so viewers on different processes count toward one quorum. A query registers its process
// to hear of hashes still missing; the process whose vote reaches the quorum tells exactly those processes.

import type { SegmentHash } from '../../protocol/signaling/hash-messages';
import type { SignalServerConfig } from '../config';
import type { HashLedgerPort, HashVote, VoteResult } from '../trust/hash-ledger';
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

export class ClusterHashes implements HashLedgerPort {
  constructor(private readonly deps: ClusterHashesDeps) {}

  /** 'unavailable' while Redis does not answer: no vote is trusted from one process alone. */
  async vote(vote: HashVote): Promise<VoteResult> {
    const { redis, keys, node, config } = this.deps;
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
      );
      if (result !== 'accepted') return VOTE_RESULTS.has(result) ? (result as VoteResult) : 'unavailable';
      const hash = parseCandidate(vote.segment, candidate);
      // This process's own waiters hear it from the exchange; the others through their channels.
      for (const waiter of waiting ?? [])
        if (waiter !== node) this.deps.post(waiter, { type: 'hash', swarm: vote.swarm, hash });
      return 'accepted';
    } catch {
      this.deps.telemetry.redisError('hash');
      return 'unavailable';
    }
  }

  /** Accepted hashes among `segments`; this process hears of the others when accepted. [] while Redis is down. */
  async lookup(swarm: string, segments: readonly string[]): Promise<SegmentHash[]> {
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
        const accepted = found[n];
        return accepted ? [parseCandidate(segment, accepted)] : [];
      });
    } catch {
      this.deps.telemetry.redisError('hash');
      return [];
    }
  }
}
