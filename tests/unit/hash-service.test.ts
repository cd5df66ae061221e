// The hash service in the signaling rules (one process, fake origin): a listed segment is fetched once however
// many viewers vote or ask, as soon as the first one does; its hash reaches waiting queries with the origin's
// strength; votes are held meanwhile, so liars cannot win a quorum first; a refusing origin leaves the decision to
// the quorum; outcomes are remembered for their TTL and in bounded number; no slot means not now, not never.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type SignalServerConfig } from '../../signal-server/config';
import { InMemoryFetchClaims } from '../../signal-server/hash-service/fetch-claims';
import { FetchSlots } from '../../signal-server/hash-service/fetch-slots';
import { HashService } from '../../signal-server/hash-service/hash-service';
import { parseOriginAllowList } from '../../signal-server/hash-service/origin-allow-list';
import type { FetchResult } from '../../signal-server/hash-service/origin-fetch';
import type { SegmentTarget } from '../../signal-server/hash-service/segment-target';
import { type FakeSocket, setupSignaling } from './signal-signaling-harness';

const SWARM = 'https://cdn.example/live/720p.m3u8';
const SEGMENT = 'https://cdn.example/live/720p/seg-1.m4s';
const GOOD = 'a'.repeat(64);
const BAD = 'b'.repeat(64);
const SIZE = 1_000;
const hashed: FetchResult = { outcome: 'fetched', size: SIZE, sha256: GOOD };

function setup(overrides: Partial<SignalServerConfig> = {}) {
  const config = resolveConfig({
    hashQuorum: 2,
    hashQuorumDistinctIps: false,
    hashFetchConcurrency: 2,
    hashFetchQueue: 2,
    ...overrides,
  });
  const fetches: Array<{ target: SegmentTarget; answer(result: FetchResult): Promise<void> }> = [];
  const outcomes: string[] = [];
  let clock = () => 0;
  const allowed = parseOriginAllowList('https://cdn.example');
  if (!allowed) throw new Error('no list');
  const service = new HashService({
    allowed,
    claims: new InMemoryFetchClaims(config, () => clock()),
    slots: new FetchSlots(config.hashFetchConcurrency, config.hashFetchQueue),
    fetch: (target) =>
      new Promise<FetchResult>((resolve) => {
        // Settles the fetch, then lets the service's follow-ups (settle, publish) run.
        const answer = async (result: FetchResult) => {
          resolve(result);
          await new Promise((settled) => setImmediate(settled));
        };
        fetches.push({ target, answer });
      }),
    telemetry: {
      claimed: (state) => outcomes.push(`claim ${state}`),
      fetched: (outcome) => outcomes.push(`fetch ${outcome}`),
    },
    now: () => clock(),
    log: () => {},
  });
  const harness = setupSignaling(config, { service });
  clock = harness.clock;
  let n = 0;
  const member = (swarm = SWARM): FakeSocket => {
    const socket = harness.connect(`viewer${++n}`, { ip: '127.0.0.1' });
    harness.send(socket, { type: 'SWARM-JOIN', payload: { swarm } });
    harness.received(socket);
    return socket;
  };
  const vote = (socket: FakeSocket, sha256 = GOOD, segment = SEGMENT, swarm = SWARM) =>
    harness.send(socket, { type: 'SEGMENT-HASH', payload: { swarm, segment, size: SIZE, sha256 } });
  const query = (socket: FakeSocket, segment = SEGMENT, swarm = SWARM) =>
    harness.send(socket, { type: 'SEGMENT-HASH-QUERY', payload: { swarm, segments: [segment] } });
  const hashesOf = (socket: FakeSocket) =>
    harness
      .received(socket)
      .filter((message) => message.type === 'SEGMENT-HASHES')
      .map((message) => message.payload.hashes);
  const votes = () => harness.events.filter((event) => event.startsWith('voted'));
  return { ...harness, fetches, outcomes, member, vote, query, hashesOf, votes };
}

const origin = (sha256 = GOOD, segment = SEGMENT) => [{ segment, size: SIZE, sha256, source: 'origin' }];
const swarmHash = (sha256 = GOOD, segment = SEGMENT) => [{ segment, size: SIZE, sha256, source: 'swarm' }];

describe('the hash service', () => {
  it('fetches a listed segment once, as soon as the first viewer votes, however many vote and ask', async () => {
    const { member, vote, query, hashesOf, fetches, outcomes } = setup();
    const [first, second, third, asker] = [member(), member(), member(), member()];
    vote(first);
    expect(fetches.map((fetch) => fetch.target.url.href)).toEqual([SEGMENT]);
    query(asker);
    expect(hashesOf(asker), 'answered at once: nothing yet').toEqual([[]]);
    vote(second);
    vote(third);
    query(asker);
    expect(fetches).toHaveLength(1);
    await fetches[0]?.answer(hashed);
    // The waiting query hears once, with the origin's strength; a new one gets it at once.
    expect(hashesOf(asker)).toEqual([[], origin()]);
    query(asker);
    expect(hashesOf(asker)).toEqual([origin()]);
    expect(outcomes).toContain('fetch fetched');
    expect(outcomes.filter((line) => line === 'claim claimed')).toHaveLength(1);
  });

  it('holds votes while it fetches: a quorum of liars cannot get in first, and contradicts the origin after', async () => {
    const { member, vote, query, hashesOf, fetches, votes } = setup();
    const [liar1, liar2, asker, late] = [member(), member(), member(), member()];
    vote(liar1, BAD);
    vote(liar2, BAD);
    expect(votes()).toEqual(['voted counted', 'voted counted']);
    query(asker);
    expect(hashesOf(asker)).toEqual([[]]);
    await fetches[0]?.answer(hashed);
    expect(hashesOf(asker)).toEqual([origin()]);
    vote(late, BAD);
    expect(votes().at(-1)).toBe('voted conflict');
  });

  it('leaves the decision to the quorum when the origin refuses (401/403, no-store, policy)', async () => {
    const { member, vote, query, hashesOf, fetches, events } = setup();
    const [a, b, asker] = [member(), member(), member()];
    vote(a);
    vote(b);
    query(asker);
    expect(hashesOf(asker)).toEqual([[]]);
    await fetches[0]?.answer({ outcome: 'http-error', status: 403, detail: 'status 403' });
    // The two votes it held make their quorum now: the hash is the swarm's.
    expect(events).toContain('released');
    expect(hashesOf(asker)).toEqual([swarmHash()]);
  });

  it('keeps holding after a failure that may pass, and fetches again after hashFetchRetryMs, not before', async () => {
    const { member, vote, query, hashesOf, fetches, advance } = setup({ hashFetchRetryMs: 5_000 });
    const [a, b, asker] = [member(), member(), member()];
    vote(a);
    await fetches[0]?.answer({ outcome: 'http-error', status: 404, detail: 'status 404' });
    vote(b);
    query(asker);
    expect(hashesOf(asker), 'no quorum while the origin may still answer').toEqual([[]]);
    expect(fetches).toHaveLength(1);
    advance(5_001);
    query(asker);
    expect(fetches).toHaveLength(2);
    await fetches[1]?.answer(hashed);
    expect(hashesOf(asker).at(-1)).toEqual(origin());
  });

  it('remembers a refusal for hashFetchRefusedTtlMs, then asks the origin again', async () => {
    const { member, query, fetches, advance } = setup({ hashFetchRefusedTtlMs: 60_000 });
    const asker = member();
    query(asker);
    await fetches[0]?.answer({ outcome: 'no-store', detail: 'Cache-Control: no-store' });
    advance(59_000);
    query(asker);
    expect(fetches).toHaveLength(1);
    advance(2_000);
    query(asker);
    expect(fetches).toHaveLength(2);
  });

  it('never fetches another origin or a URL with credentials: the quorum decides as before', () => {
    const { member, vote, query, hashesOf, fetches, outcomes } = setup();
    const [a, b, asker] = [member(), member(), member()];
    for (const segment of ['https://other.example/seg-1.ts', 'https://user:pw@cdn.example/seg-1.ts']) {
      vote(a, GOOD, segment);
      vote(b, GOOD, segment);
      query(asker, segment);
      expect(hashesOf(asker)).toEqual([swarmHash(GOOD, segment)]);
    }
    expect(fetches).toEqual([]);
    expect(outcomes).toEqual(['fetch refused-policy', 'fetch refused-policy']);
  });

  it('fetches a segment two swarms list once, and both hear of it', async () => {
    const { member, query, hashesOf, fetches } = setup();
    const other = 'https://cdn.example/live/720p-alt.m3u8';
    const [here, there] = [member(), member(other)];
    query(here);
    query(there, SEGMENT, other);
    expect(fetches).toHaveLength(1);
    await fetches[0]?.answer(hashed);
    expect(hashesOf(here)).toEqual([[], origin()]);
    expect(hashesOf(there)).toEqual([[], origin()]);
  });

  it('upgrades a hash the swarm accepted first to the origin strength when the origin agrees', async () => {
    const { member, vote, query, hashesOf, fetches, advance, events } = setup({
      hashFetchRefusedTtlMs: 1_000,
    });
    const [a, b, asker] = [member(), member(), member()];
    vote(a);
    vote(b);
    await fetches[0]?.answer({ outcome: 'too-large', detail: 'over the cap' });
    advance(1_001);
    vote(member());
    await fetches[1]?.answer(hashed);
    expect(events).toContain('published upgraded');
    query(asker);
    expect(hashesOf(asker)).toEqual([origin()]);
  });

  it('with no free slot and a full queue, does not fetch now but when asked again', async () => {
    const { member, query, fetches, outcomes } = setup({ hashFetchConcurrency: 1, hashFetchQueue: 1 });
    const asker = member();
    const segments = [1, 2, 3].map((n) => `https://cdn.example/live/720p/seg-${n}.m4s`);
    for (const segment of segments) query(asker, segment);
    expect(fetches).toHaveLength(1);
    expect(outcomes).toContain('fetch busy');
    await fetches[0]?.answer(hashed);
    // The queued one ran; the refused one is claimed anew when asked again.
    expect(fetches.map((fetch) => fetch.target.url.href)).toEqual(segments.slice(0, 2));
    query(asker, segments[2]);
    await fetches[1]?.answer(hashed);
    expect(fetches.map((fetch) => fetch.target.url.href)).toEqual(segments);
  });
});

describe('its claims in one process', () => {
  const config = resolveConfig({ hashFetchEntries: 3 });

  it('remember at most hashFetchEntries outcomes, the oldest forgotten first', () => {
    const claims = new InMemoryFetchClaims(config, () => 0);
    for (const n of [1, 2, 3, 4]) {
      expect(claims.claim(`seg-${n}`, 's')).toEqual({ state: 'claimed' });
      claims.settle(`seg-${n}`, { state: 'hashed', size: 1, sha256: GOOD });
    }
    expect(claims.size).toBe(3);
    expect(claims.claim('seg-4', 's')).toMatchObject({ state: 'hashed' });
    expect(claims.claim('seg-1', 's'), 'forgotten: fetched again').toEqual({ state: 'claimed' });
  });

  it('let a claim lapse after its deadline (a fetch that never ended), and tell every swarm that asked meanwhile', () => {
    let now = 0;
    const claims = new InMemoryFetchClaims(config, () => now);
    expect(claims.claim('seg', 'a').state).toBe('claimed');
    expect(claims.claim('seg', 'b').state).toBe('pending');
    expect(claims.settle('seg', { state: 'retry-later' })).toEqual(['a', 'b']);
    now += config.hashFetchRetryMs + 1;
    expect(claims.claim('seg', 'c').state).toBe('claimed');
    now += config.hashFetchTimeoutMs + 5_001;
    expect(claims.claim('seg', 'd').state).toBe('claimed');
  });
});
