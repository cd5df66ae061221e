// The Redis scripts of segment trust in cluster mode (Lua, registered by redis-scripts.ts): the ledger's votes,
// queries, the hash service's published hashes and released votes, and the service's fetch claims.
// Ledger keys share the swarm's hash tag, a fetch claim's keys the segment's: each script touches one slot.

/** Shared by the ledger scripts: marks a segment used (entry TTL, LRU index) and enforces hashSegmentsPerSwarm. */
const TOUCH = `local function touch(entry, index, ttl, segment, maxSegments, prefix)
  redis.call('PEXPIRE', entry, ttl)
  local t = redis.call('TIME')
  redis.call('ZADD', index, t[1] * 1000000 + t[2], segment)
  redis.call('PEXPIRE', index, ttl)
  local excess = redis.call('ZCARD', index) - tonumber(maxSegments)
  if excess > 0 then
    local evicted = redis.call('ZPOPMIN', index, excess)
    for i = 1, #evicted, 2 do redis.call('DEL', prefix .. evicted[i]) end
  end
end
local function waiters(set)
  local waiting = redis.call('SMEMBERS', set)
  redis.call('DEL', set)
  return waiting
end
`;

/**
 * An entry (`…:s:<segment>`) is a hash: `a` the accepted candidate "<size> <sha256>" and `o` = 'origin' when the
 * hash service published it; before acceptance `r:<reporter>` (voted), `v` (votes), `n:<candidate>` (its support),
 * `p:<candidate> <supporter>` (one count per supporter).
 */
export const hashScripts = {
  /**
   * KEYS entry, waiters, index; ARGV reporter, supporter (ip or reporter), candidate, quorum, ttl, max votes,
   * max segments, segment, entry key prefix, hold ('1': counted, never accepted). One vote, as
   * InMemoryHashLedger.vote; on acceptance the votes are dropped and the waiting processes returned (and forgotten).
   */
  voteHash: `${TOUCH}
local accepted = redis.call('HGET', KEYS[1], 'a')
if accepted then
  touch(KEYS[1], KEYS[3], ARGV[5], ARGV[8], ARGV[7], ARGV[9])
  if accepted == ARGV[3] then return {'agreed'} end
  return {'conflict'}
end
if redis.call('HEXISTS', KEYS[1], 'r:' .. ARGV[1]) == 1 then return {'duplicate'} end
if tonumber(redis.call('HGET', KEYS[1], 'v') or '0') >= tonumber(ARGV[6]) then return {'full'} end
redis.call('HSET', KEYS[1], 'r:' .. ARGV[1], '1')
redis.call('HINCRBY', KEYS[1], 'v', 1)
local count = tonumber(redis.call('HGET', KEYS[1], 'n:' .. ARGV[3]) or '0')
if redis.call('HSETNX', KEYS[1], 'p:' .. ARGV[3] .. ' ' .. ARGV[2], '1') == 1 then
  count = redis.call('HINCRBY', KEYS[1], 'n:' .. ARGV[3], 1)
end
touch(KEYS[1], KEYS[3], ARGV[5], ARGV[8], ARGV[7], ARGV[9])
if ARGV[10] == '1' or count < tonumber(ARGV[4]) then return {'counted'} end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'a', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'accepted', waiters(KEYS[2])}`,
  /**
   * KEYS n entries, n waiter sets, index; ARGV node, wait ttl, entry ttl, n segments. The accepted candidate of
   * each segment, with ' origin' appended when the hash service published it ('' when none: then `node` is
   * registered to hear of its acceptance).
   */
  queryHashes: `local n = (#KEYS - 1) / 2
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local found = {}
for i = 1, n do
  local accepted = redis.call('HGET', KEYS[i], 'a')
  if accepted then
    if redis.call('HGET', KEYS[i], 'o') == 'origin' then accepted = accepted .. ' origin' end
    found[i] = accepted
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
    redis.call('ZADD', KEYS[#KEYS], 'XX', now, ARGV[3 + i])
  else
    found[i] = ''
    redis.call('SADD', KEYS[n + i], ARGV[1])
    redis.call('PEXPIRE', KEYS[n + i], ARGV[2])
  end
end
return found`,
  /**
   * KEYS entry, waiters, index; ARGV candidate, ttl, max segments, segment, entry key prefix. The hash service's
   * hash, as InMemoryHashLedger.publish: {'published', waiting processes} or {'upgraded' | 'agreed' | 'conflict'}.
   */
  publishHash: `${TOUCH}
local accepted = redis.call('HGET', KEYS[1], 'a')
if accepted then
  touch(KEYS[1], KEYS[3], ARGV[2], ARGV[4], ARGV[3], ARGV[5])
  if accepted ~= ARGV[1] then return {'conflict'} end
  if redis.call('HGET', KEYS[1], 'o') == 'origin' then return {'agreed'} end
  redis.call('HSET', KEYS[1], 'o', 'origin')
  return {'upgraded'}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'a', ARGV[1], 'o', 'origin')
touch(KEYS[1], KEYS[3], ARGV[2], ARGV[4], ARGV[3], ARGV[5])
return {'published', waiters(KEYS[2])}`,
  /**
   * KEYS entry, waiters, index; ARGV quorum, ttl, max segments, segment, entry key prefix. Held votes whose
   * candidate has the quorum accept it, as InMemoryHashLedger.release: {'accepted', candidate, waiting} or {'none'}.
   */
  releaseHash: `${TOUCH}
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'a') == 1 then return {'none'} end
local fields = redis.call('HGETALL', KEYS[1])
local best = nil
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'n:' and tonumber(fields[i + 1]) >= tonumber(ARGV[1]) then
    best = string.sub(fields[i], 3)
    break
  end
end
if not best then return {'none'} end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'a', best)
touch(KEYS[1], KEYS[3], ARGV[2], ARGV[4], ARGV[3], ARGV[5])
return {'accepted', best, waiters(KEYS[2])}`,
  /**
   * KEYS state, swarms; ARGV node, claim ttl, swarm, max swarms. 'claimed' (this process fetches; the claim lives
   * `claim ttl`), else the state found: 'pending <node>' (the swarm joins those to tell), 'hashed <size> <sha256>',
   * 'refused', 'retry-later'.
   */
  claimFetch: `local state = redis.call('GET', KEYS[1])
if state then
  if string.sub(state, 1, 8) == 'pending ' and redis.call('SCARD', KEYS[2]) < tonumber(ARGV[4]) then
    redis.call('SADD', KEYS[2], ARGV[3])
  end
  return state
end
redis.call('SET', KEYS[1], 'pending ' .. ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 'claimed'`,
  /** KEYS state, swarms; ARGV state ('' = drop the claim), ttl. The outcome; returns the swarms to tell. */
  settleFetch: `local swarms = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
if ARGV[1] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return swarms`,
} as const;

export const hashScriptKeyCounts: Record<keyof typeof hashScripts, number | undefined> = {
  voteHash: 3,
  queryHashes: undefined,
  publishHash: 3,
  releaseHash: 3,
  claimFetch: 2,
  settleFetch: 2,
};

type VoteReply = [string] | ['accepted', string[]];
type PublishReply = [string] | ['published', string[]];
type ReleaseReply = ['none'] | ['accepted', string, string[]];

/** The scripts as typed methods of the scripted connection (see redis-scripts.ts). */
export interface HashScriptMethods {
  voteHash(
    entry: string,
    waiters: string,
    index: string,
    reporter: string,
    supporter: string,
    candidate: string,
    quorum: number,
    ttlMs: number,
    maxVotes: number,
    maxSegments: number,
    segment: string,
    entryPrefix: string,
    hold: '1' | '0',
  ): Promise<VoteReply>;
  queryHashes(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<string[]>;
  publishHash(
    entry: string,
    waiters: string,
    index: string,
    candidate: string,
    ttlMs: number,
    maxSegments: number,
    segment: string,
    entryPrefix: string,
  ): Promise<PublishReply>;
  releaseHash(
    entry: string,
    waiters: string,
    index: string,
    quorum: number,
    ttlMs: number,
    maxSegments: number,
    segment: string,
    entryPrefix: string,
  ): Promise<ReleaseReply>;
  claimFetch(
    state: string,
    swarms: string,
    node: string,
    ttlMs: number,
    swarm: string,
    maxSwarms: number,
  ): Promise<string>;
  settleFetch(state: string, swarms: string, value: string, ttlMs: number): Promise<string[]>;
}
