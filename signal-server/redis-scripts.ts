// The cluster's Redis layout and its atomic steps (Lua, run by EVALSHA through ioredis's defineCommand).
// A peer's keys share a hash tag, {id}, so each script touches one slot and works on Redis Cluster too.
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Keys and channels, all under the configured prefix:
 * - `<p>:{<id>}:loc`  string "<node>\t<token>": the process holding peer <id>; PX clusterTtlMs, refreshed.
 * - `<p>:{<id>}:wait` set of nodes holding messages for <id> while it is absent; PX expireTimeoutMs.
 * - `<p>:swarm:<key>` sorted set: member = peer id, score = when the membership expires (Redis clock, ms).
 * - `<p>:node:{<node>}` the channel each process subscribes to (sharded pub/sub where Redis has it).
 */
export interface ClusterKeys {
  location(id: string): string;
  waiting(id: string): string;
  swarm(swarm: string): string;
  channel(node: string): string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    location: (id) => `${prefix}:{${id}}:loc`,
    waiting: (id) => `${prefix}:{${id}}:wait`,
    swarm: (swarm) => `${prefix}:swarm:${swarm}`,
    channel: (node) => `${prefix}:node:{${node}}`,
  };
}

/** "<node>\t<token>": tokens are printable ASCII and node ids have no tab, so the split is unambiguous. */
export function locationValue(node: string, token: string): string {
  return `${node}\t${token}`;
}

export function parseLocation(value: string): { node: string; token: string } {
  const tab = value.indexOf('\t');
  return { node: value.slice(0, tab), token: value.slice(tab + 1) };
}

const OWNER = `local function owner(value) return string.sub(value, 1, string.find(value, '\\t', 1, true) - 1) end
local function token(value) return string.sub(value, string.find(value, '\\t', 1, true) + 1) end
`;

const scripts = {
  /**
   * KEYS loc, wait; ARGV value, token, ttl. Takes the id unless another token holds it (a reconnect with the
   * same token takes it over from any process). Returns {0, holder} or {1, previous or '', waiting nodes}.
   */
  claimPeer: `${OWNER}
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] and token(current) ~= ARGV[2] then return {0, current} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
local waiting = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return {1, current or '', waiting}`,
  /** KEYS loc; ARGV value. Deletes only our own entry: a process that took the id over keeps it. */
  releasePeer: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  /**
   * KEYS loc, wait; ARGV waiter node, wait ttl, dead node. The node holding the id; or, when none does (or
   * only `dead`, whose channel has no listener), registers the waiter to hear when it arrives and returns false.
   */
  locatePeer: `${OWNER}
local current = redis.call('GET', KEYS[1])
if current and owner(current) ~= ARGV[3] then return owner(current) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return false`,
  /** KEYS loc; ARGV value, ttl. 1 = refreshed (or written again after Redis lost it); else the holder. */
  refreshPeer: `local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return current`,
} as const;

const keyCounts: Record<keyof typeof scripts, number> = {
  claimPeer: 2,
  releasePeer: 1,
  locatePeer: 2,
  refreshPeer: 1,
};

type ClaimReply = [0, string] | [1, string, string[]];

interface ScriptCommands<Result> {
  claimPeer(loc: string, wait: string, value: string, token: string, ttlMs: number): Result;
  releasePeer(loc: string, value: string): Result;
  locatePeer(loc: string, wait: string, waiter: string, waitTtlMs: number, dead: string): Result;
  refreshPeer(loc: string, value: string, ttlMs: number): Result;
}

/** The connection with the scripts as typed methods. */
export type ScriptedRedis = Redis & {
  claimPeer(...args: Parameters<ScriptCommands<unknown>['claimPeer']>): Promise<ClaimReply>;
  releasePeer(...args: Parameters<ScriptCommands<unknown>['releasePeer']>): Promise<number>;
  locatePeer(...args: Parameters<ScriptCommands<unknown>['locatePeer']>): Promise<string | null>;
  refreshPeer(...args: Parameters<ScriptCommands<unknown>['refreshPeer']>): Promise<1 | string>;
};

/** A pipeline on a scripted connection has the scripts too. */
export function scriptedPipeline(
  redis: ScriptedRedis,
): ChainableCommander & ScriptCommands<ChainableCommander> {
  return redis.pipeline() as ChainableCommander & ScriptCommands<ChainableCommander>;
}

/** Registers the scripts; ioredis sends EVALSHA and falls back to EVAL after a Redis restart (NOSCRIPT). */
export function withClusterScripts(redis: Redis): ScriptedRedis {
  for (const [name, lua] of Object.entries(scripts)) {
    redis.defineCommand(name, { numberOfKeys: keyCounts[name as keyof typeof scripts], lua });
  }
  return redis as ScriptedRedis;
}
