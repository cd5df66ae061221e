// The cluster's Redis layout and its atomic steps (Lua, run by EVALSHA through ioredis's defineCommand).
// A peer's keys share a hash tag, {id}, so each script touches one slot and works on Redis Cluster too.
import type { ChainableCommander, Redis } from 'ioredis';
import { type HashScriptMethods, hashScriptKeyCounts, hashScripts } from './hash-scripts';

/**
 * Keys and channels, all under the configured prefix:
 * - `<p>:{<id>}:loc`  string "<node>\t<token>": the process holding peer <id>; PX clusterTtlMs, refreshed.
 * - `<p>:{<id>}:wait` set of nodes holding messages for <id> while it is absent; PX expireTimeoutMs.
 * - `<p>:swarm:<key>` sorted set: member = peer id, score = when the membership expires (Redis clock, ms).
 * - `<p>:group:<group>:<key>` the same for the members of one group of the swarm (`asn:<n>`, `cc:<XX>`: matching).
 * - `<p>:{<id>}:traits` string: what matching knows of peer <id> (swarms/peer-traits.ts); PX clusterTtlMs, refreshed.
 * - `<p>:node:{<node>}` the channel each process subscribes to (sharded pub/sub where Redis has it).
 * - `<p>:hash:{<swarm>}:<swarm>` the base of a swarm's segment hashes (`{}` in the tag replaced by `_`, so all
 *   of a swarm's keys share one slot): `…:s:<segment>` hash of votes or the accepted hash, `…:w:<segment>` set of
 *   processes with queries waiting for it, `…:i` sorted set of its segments by last use (the LRU bound),
 *   `…:r:<peer>` set of who reported <peer> (PEER-REPORT), `…:x` set of peers excluded from the swarm.
 * - `<p>:fetch:{<segment>}` the hash service's claim on a segment, or its outcome (a string, PX by kind), and
 *   `…:s` the swarms to tell when a pending fetch ends (`{}` in the tag replaced by `_`).
 */
export interface ClusterKeys {
  location(id: string): string;
  waiting(id: string): string;
  swarm(swarm: string): string;
  group(swarm: string, group: string): string;
  traits(id: string): string;
  channel(node: string): string;
  hashes(swarm: string): string;
  excluded(swarm: string): string;
  fetch(segment: string): string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    location: (id) => `${prefix}:{${id}}:loc`,
    waiting: (id) => `${prefix}:{${id}}:wait`,
    swarm: (swarm) => `${prefix}:swarm:${swarm}`,
    // Groups are `asn:<digits>` or `cc:<two letters>`: the swarm key after them cannot be mistaken for another.
    group: (swarm, group) => `${prefix}:group:${group}:${swarm}`,
    traits: (id) => `${prefix}:{${id}}:traits`,
    channel: (node) => `${prefix}:node:{${node}}`,
    hashes: (swarm) => hashBase(prefix, swarm),
    excluded: (swarm) => `${hashBase(prefix, swarm)}:x`,
    fetch: (segment) => `${prefix}:fetch:{${segment.replace(/[{}]/g, '_')}}`,
  };
}

function hashBase(prefix: string, swarm: string): string {
  return `${prefix}:hash:{${swarm.replace(/[{}]/g, '_')}}:${swarm}`;
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
  /**
   * KEYS reporters of the peer, excluded set; ARGV reporter, threshold, ttl, peer. One PEER-REPORT, as
   * PeerReports.report: once `threshold` distinct reporters reported the peer, it joins the excluded set.
   */
  reportPeer: `if redis.call('SISMEMBER', KEYS[2], ARGV[4]) == 1 then return 'already-excluded' end
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if added == 0 then return 'duplicate' end
if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[2]) then return 'counted' end
redis.call('DEL', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 'excluded'`,
} as const;

/** undefined: the number of keys varies and is passed first. */
const keyCounts: Record<keyof typeof scripts, number | undefined> = {
  claimPeer: 2,
  releasePeer: 1,
  locatePeer: 2,
  refreshPeer: 1,
  reportPeer: 2,
};

type ClaimReply = [0, string] | [1, string, string[]];

interface ScriptCommands<Result> {
  claimPeer(loc: string, wait: string, value: string, token: string, ttlMs: number): Result;
  releasePeer(loc: string, value: string): Result;
  locatePeer(loc: string, wait: string, waiter: string, waitTtlMs: number, dead: string): Result;
  refreshPeer(loc: string, value: string, ttlMs: number): Result;
  reportPeer(
    reporters: string,
    excluded: string,
    reporter: string,
    threshold: number,
    ttlMs: number,
    peer: string,
  ): Result;
}

/** The connection with the scripts as typed methods (segment trust's: hash-scripts.ts). */
export type ScriptedRedis = Redis &
  HashScriptMethods & {
    claimPeer(...args: Parameters<ScriptCommands<unknown>['claimPeer']>): Promise<ClaimReply>;
    releasePeer(...args: Parameters<ScriptCommands<unknown>['releasePeer']>): Promise<number>;
    locatePeer(...args: Parameters<ScriptCommands<unknown>['locatePeer']>): Promise<string | null>;
    refreshPeer(...args: Parameters<ScriptCommands<unknown>['refreshPeer']>): Promise<1 | string>;
    reportPeer(...args: Parameters<ScriptCommands<unknown>['reportPeer']>): Promise<string>;
  };

/** A pipeline on a scripted connection has the scripts too. */
export function scriptedPipeline(
  redis: ScriptedRedis,
): ChainableCommander & ScriptCommands<ChainableCommander> {
  return redis.pipeline() as ChainableCommander & ScriptCommands<ChainableCommander>;
}

/** Registers the scripts; ioredis sends EVALSHA and falls back to EVAL after a Redis restart (NOSCRIPT). */
export function withClusterScripts(redis: Redis): ScriptedRedis {
  const counts: Record<string, number | undefined> = { ...keyCounts, ...hashScriptKeyCounts };
  for (const [name, lua] of Object.entries({ ...scripts, ...hashScripts })) {
    const numberOfKeys = counts[name];
    redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
  }
  return redis as ScriptedRedis;
}
