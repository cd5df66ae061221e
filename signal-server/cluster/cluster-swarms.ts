// Swarm membership across processes (cluster mode): one sorted set per swarm in Redis, member = peer id,
// score = when the membership expires on Redis's clock. Expired members are skipped when sampling and trimmed
// by the batched refresh, so a dead process's peers drop out of every swarm within clusterTtlMs.
import type { ChainableCommander } from 'ioredis';
import type { ClusterTelemetry } from './cluster-metrics';
import type { ClusterKeys, ScriptedRedis } from './redis-scripts';

export interface ClusterSwarmsDeps {
  redis: ScriptedRedis;
  keys: ClusterKeys;
  ttlMs: number;
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

  /** Joins and samples in one round trip. Null when Redis did not answer (the caller falls back to local). */
  async join(swarm: string, id: string, count: number): Promise<string[] | null> {
    const { redis, keys, ttlMs } = this.deps;
    const key = keys.swarm(swarm);
    const now = this.deps.redisNow();
    try {
      const replies = await redis
        .pipeline()
        .zadd(key, now + ttlMs, id)
        .pexpire(key, ttlMs)
        .zrandmember(key, count, 'WITHSCORES')
        .smembers(keys.excluded(swarm))
        .exec();
      const [, sampled] = replies?.[2] ?? [];
      const flat = failed(replies) ? null : (sampled as string[] | null);
      if (!flat) throw new Error('no sample');
      this.deps.learnedExcluded(swarm, (replies?.[3]?.[1] as string[] | undefined) ?? []);
      const members: string[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        if (Number(flat[i + 1]) > now) members.push(flat[i] as string);
      }
      return members;
    } catch {
      this.deps.telemetry.redisError('swarm');
      return null;
    }
  }

  leave(swarm: string, id: string): void {
    this.deps.redis
      .zrem(this.deps.keys.swarm(swarm), id)
      .catch(() => this.deps.telemetry.redisError('swarm'));
  }

  /** Adds the refresh of every local membership to `pipeline`: renew, keep the set alive, trim the expired. */
  addRefresh(pipeline: ChainableCommander, swarms: Iterable<[string, readonly string[]]>): number {
    const { keys, ttlMs } = this.deps;
    const now = this.deps.redisNow();
    let count = 0;
    for (const [swarm, members] of swarms) {
      const key = keys.swarm(swarm);
      for (let start = 0; start < members.length; start += ZADD_CHUNK) {
        const scored = members.slice(start, start + ZADD_CHUNK).flatMap((member) => [now + ttlMs, member]);
        pipeline.zadd(key, ...scored);
      }
      pipeline.pexpire(key, ttlMs);
      pipeline.zremrangebyscore(key, '-inf', now);
      count++;
    }
    return count;
  }
}

/** A pipeline's replies carry one error per command; any error fails the whole join. */
function failed(replies: [Error | null, unknown][] | null): boolean {
  return !replies || replies.some(([error]) => error !== null);
}
