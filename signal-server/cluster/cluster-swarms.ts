// Swarm membership across processes (cluster mode): one sorted set per swarm in Redis, member = peer id,
// score = when the membership expires on Redis's clock, and the same per group of a swarm (one ASN, one country)
// so a joiner's same-network candidates are sampled directly. Each peer's traits (network, VIEWER-STATE) live in
// a key with a TTL. Expired members are skipped when sampling and trimmed by the batched refresh, so a dead
// process's peers drop out of every swarm within clusterTtlMs.
import type { ChainableCommander } from 'ioredis';
import { decodeTraits, encodeTraits, groupsOf, type PeerTraits } from '../swarms/peer-traits';
import type { Candidate } from '../swarms/rank-peers';
import type { ClusterTelemetry } from './cluster-metrics';
import type { ClusterKeys, ScriptedRedis } from './redis-scripts';

export interface ClusterSwarmsDeps {
  redis: ScriptedRedis;
  keys: ClusterKeys;
  ttlMs: number;
  /** Sample the joiner's groups too ('matching'); 'random' samples the whole swarm only, uniformly. */
  matching: boolean;
  /** Now on Redis's clock (ms): scores written by every process compare on one clock. */
  redisNow(): number;
  telemetry: ClusterTelemetry;
  /** Told, at each join, which peers are excluded from the swarm (PEER-REPORT), read in the same round trip. */
  learnedExcluded(swarm: string, peers: string[]): void;
}

/** Members per ZADD in a refresh: keeps each command (and the time Redis spends on it) small. */
const ZADD_CHUNK = 1_000;

export class ClusterSwarms {
  constructor(private readonly deps: ClusterSwarmsDeps) {}

  /**
   * Joins (the swarm and the joiner's groups, its traits written) and samples, then reads the sampled members'
   * traits: two round trips. Null when Redis did not answer (the caller falls back to local).
   */
  async join(swarm: string, id: string, traits: PeerTraits, count: number): Promise<Candidate[] | null> {
    const { redis, keys, ttlMs } = this.deps;
    const now = this.deps.redisNow();
    const sets = [keys.swarm(swarm), ...groupsOf(traits).map((group) => keys.group(swarm, group))];
    const sampled = this.deps.matching ? sets : sets.slice(0, 1);
    try {
      const pipeline = redis.pipeline();
      for (const key of sets) pipeline.zadd(key, now + ttlMs, id).pexpire(key, ttlMs);
      pipeline.set(keys.traits(id), encodeTraits(traits), 'PX', ttlMs);
      for (const key of sampled) pipeline.zrandmember(key, count, 'WITHSCORES');
      pipeline.smembers(keys.excluded(swarm));
      const replies = await pipeline.exec();
      if (failed(replies)) throw new Error('join failed');
      const answers = (replies ?? []).slice(sets.length * 2 + 1).map(([, reply]) => reply);
      this.deps.learnedExcluded(swarm, (answers.pop() as string[] | undefined) ?? []);
      const ids = new Set<string>();
      for (const flat of answers as string[][]) {
        for (let i = 0; i + 1 < flat.length; i += 2)
          if (Number(flat[i + 1]) > now) ids.add(flat[i] as string);
      }
      return await this.withTraits([...ids]);
    } catch {
      this.deps.telemetry.redisError('swarm');
      return null;
    }
  }

  private async withTraits(ids: string[]): Promise<Candidate[]> {
    const pipeline = this.deps.redis.pipeline();
    for (const id of ids) pipeline.get(this.deps.keys.traits(id));
    const replies = ids.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    // A missing or unreadable entry is an unknown peer, still offered: a lookup never refuses anyone.
    return ids.map((id, n) => ({ id, traits: decodeTraits((replies[n]?.[1] as string | null) ?? null) }));
  }

  leave(swarm: string, id: string, traits: PeerTraits | null): void {
    const { redis, keys, telemetry } = this.deps;
    const pipeline = redis.pipeline().zrem(keys.swarm(swarm), id);
    for (const group of groupsOf(traits)) pipeline.zrem(keys.group(swarm, group), id);
    pipeline.exec().catch(() => telemetry.redisError('swarm'));
  }

  /**
   * Adds the refresh of every local membership to `pipeline`: renew (in the swarm and its groups), keep the sets
   * alive, trim the expired; and every local peer's traits.
   */
  addRefresh(
    pipeline: ChainableCommander,
    swarms: Iterable<[string, readonly string[]]>,
    traitsOf: (id: string) => PeerTraits | null,
  ): number {
    const { keys, ttlMs } = this.deps;
    const now = this.deps.redisNow();
    let count = 0;
    const written = new Set<string>();
    for (const [swarm, members] of swarms) {
      const sets = new Map<string, string[]>([[keys.swarm(swarm), [...members]]]);
      for (const member of members) {
        const traits = traitsOf(member);
        for (const group of groupsOf(traits)) {
          const key = keys.group(swarm, group);
          sets.set(key, [...(sets.get(key) ?? []), member]);
        }
        if (traits && !written.has(member)) {
          written.add(member);
          pipeline.set(keys.traits(member), encodeTraits(traits), 'PX', ttlMs);
        }
      }
      for (const [key, ids] of sets) {
        for (let start = 0; start < ids.length; start += ZADD_CHUNK) {
          const scored = ids.slice(start, start + ZADD_CHUNK).flatMap((member) => [now + ttlMs, member]);
          pipeline.zadd(key, ...scored);
        }
        pipeline.pexpire(key, ttlMs);
        pipeline.zremrangebyscore(key, '-inf', now);
      }
      count++;
    }
    return count;
  }
}

/** A pipeline's replies carry one error per command; any error fails the whole join. */
function failed(replies: [Error | null, unknown][] | null): boolean {
  return !replies || replies.some(([error]) => error !== null);
}
