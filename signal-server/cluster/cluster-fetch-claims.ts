// The hash service's claims across processes (cluster mode): one atomic script claims a segment (a lock that
// outlives the fetch's deadline a little, like SET NX PX) or returns its outcome, so exactly one process of the
// cluster fetches it; the outcome replaces the claim for as long as it is remembered (fetch-claims.ts's TTLs).
import {
  type ClaimState,
  claimTtlMs,
  type FetchClaimsConfig,
  type FetchClaimsPort,
  MAX_SWARMS_PER_FETCH,
  type SettledFetch,
} from '../hash-service/fetch-claims';
import type { ClusterTelemetry } from './cluster-metrics';
import type { ClusterKeys, ScriptedRedis } from './redis-scripts';

export interface ClusterFetchClaimsDeps {
  redis: ScriptedRedis;
  keys: ClusterKeys;
  node: string;
  config: FetchClaimsConfig;
  telemetry: Pick<ClusterTelemetry, 'redisError'>;
}

const HASHED = /^hashed ([1-9][0-9]*) ([0-9a-f]{64})$/;

export class ClusterFetchClaims implements FetchClaimsPort {
  constructor(private readonly deps: ClusterFetchClaimsDeps) {}

  /** 'unavailable' while Redis does not answer: no process fetches on its own (others could too). */
  async claim(segment: string, swarm: string): Promise<ClaimState> {
    const { redis, keys, node, config } = this.deps;
    const key = keys.fetch(segment);
    try {
      const found = await redis.claimFetch(
        key,
        `${key}:s`,
        node,
        claimTtlMs(config, 'pending'),
        swarm,
        MAX_SWARMS_PER_FETCH,
      );
      return parseState(found);
    } catch {
      this.deps.telemetry.redisError('hash');
      return { state: 'unavailable' };
    }
  }

  /** Throws while Redis is down (the service then tells the claimer's swarm only). */
  async settle(segment: string, outcome: SettledFetch): Promise<string[]> {
    const { redis, keys, config } = this.deps;
    const key = keys.fetch(segment);
    const value =
      outcome.state === 'abandoned'
        ? ''
        : outcome.state === 'hashed'
          ? `hashed ${outcome.size} ${outcome.sha256}`
          : outcome.state;
    const ttl = outcome.state === 'abandoned' ? 1 : claimTtlMs(config, outcome.state);
    return redis.settleFetch(key, `${key}:s`, value, ttl);
  }
}

function parseState(found: string): ClaimState {
  if (found === 'claimed' || found === 'refused' || found === 'retry-later') return { state: found };
  if (found.startsWith('pending ')) return { state: 'pending' };
  const hashed = HASHED.exec(found);
  if (hashed) return { state: 'hashed', size: Number(hashed[1]), sha256: hashed[2] as string };
  // Written by another release of the server: treated as a fetch on its way, asked again later.
  return { state: 'pending' };
}
