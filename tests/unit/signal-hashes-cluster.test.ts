// Segment-hash votes across two signal processes on one real redis-server: viewers on different processes make
// one quorum (distinct addresses counted across processes), a query anywhere sees a hash accepted anywhere, and
// a query waiting on one process is answered once when another process accepts the hash.
import { describe, expect, it } from 'vitest';
import type { SignalProcess } from '../support/signal-process';
import { useCluster } from './signal-cluster-fixture';
import { expectPastNews, metric } from './signal-cluster-support';
import type { TestClient } from './signal-test-client';

const GOOD = 'c'.repeat(64);
const BAD = 'd'.repeat(64);

// One trusted proxy: each viewer's address comes from X-Forwarded-For, so distinct IPs can be tested on loopback.
const cluster = useCluster(['--trust-proxy', '1', '--hash-quorum', '2']);

/** A viewer on `server` at address `ip`, member of `swarm`. */
async function viewer(server: SignalProcess, id: string, ip: string, swarm: string): Promise<TestClient> {
  const client = await cluster.open(server, id, { headers: { 'x-forwarded-for': ip } });
  client.send({ type: 'SWARM-JOIN', payload: { swarm } });
  await expectPastNews(client, 'SWARM-PEERS');
  return client;
}

const vote = (client: TestClient, swarm: string, segment: string, sha256 = GOOD) =>
  client.send({ type: 'SEGMENT-HASH', payload: { swarm, segment, size: 4_096, sha256 } });

async function query(client: TestClient, swarm: string, segments: string[]) {
  client.send({ type: 'SEGMENT-HASH-QUERY', payload: { swarm, segments } });
  return (await expectPastNews(client, 'SEGMENT-HASHES')).payload;
}

/** Nothing but swarm news came before the answer to a probe (an unknown type: ERROR). */
async function expectNothingPending(client: TestClient): Promise<void> {
  client.send({ type: 'PROBE' });
  expect((await expectPastNews(client, 'ERROR')).payload.code).toBe('unknown-type');
}

/**
 * Votes and reports get no answer: they have landed in Redis once the `series` counter of their process counts
 * `count` more with `result`. Returns a function that waits for that (call before sending them).
 */
async function expectCounted(
  server: SignalProcess,
  series: 'hash_reports_total' | 'peer_reports_total',
  result: string,
  count: number,
) {
  const read = () => metric(server.port, `peerlane_signal_${series}`, `{result="${result}"}`);
  const target = (await read()) + count;
  return async () => {
    const deadline = Date.now() + 10_000;
    while ((await read()) < target) {
      if (Date.now() > deadline)
        throw new Error(`no ${count} more ${series} ${result} on port ${server.port}`);
    }
  };
}

describe('segment hashes in cluster mode', () => {
  it('counts viewers on different processes toward one quorum; a query on either process sees the hash', async () => {
    const [a, b] = cluster.servers();
    const swarm = 'quorum/720p';
    const alice = await viewer(a, 'alice', '10.1.0.1', swarm);
    const bob = await viewer(b, 'bob', '10.1.0.2', swarm);
    vote(alice, swarm, 'seg-1');
    expect(await query(bob, swarm, ['seg-1'])).toEqual({ swarm, hashes: [] });
    vote(bob, swarm, 'seg-1');
    const accepted = { swarm, hashes: [{ segment: 'seg-1', size: 4_096, sha256: GOOD, source: 'swarm' }] };
    // Bob's query waited for seg-1: it hears of the acceptance once.
    expect((await bob.expect('SEGMENT-HASHES')).payload).toEqual(accepted);
    expect(await query(alice, swarm, ['seg-1'])).toEqual(accepted);
    expect(await query(bob, swarm, ['seg-1'])).toEqual(accepted);
    await expectNothingPending(bob);
  });

  it('answers a query waiting on one process exactly once when votes on the other process accept the hash', async () => {
    const [a, b] = cluster.servers();
    const swarm = 'waiting/720p';
    const asker = await viewer(b, 'asker', '10.2.0.9', swarm);
    expect(await query(asker, swarm, ['seg-1', 'seg-2'])).toEqual({ swarm, hashes: [] });
    const first = await viewer(a, 'first', '10.2.0.1', swarm);
    const second = await viewer(a, 'second', '10.2.0.2', swarm);
    vote(first, swarm, 'seg-2');
    vote(second, swarm, 'seg-2');
    expect((await expectPastNews(asker, 'SEGMENT-HASHES')).payload).toEqual({
      swarm,
      hashes: [{ segment: 'seg-2', size: 4_096, sha256: GOOD, source: 'swarm' }],
    });
    // More votes for seg-2 (agreeing, then contradicting) send nothing more to anyone.
    const third = await viewer(a, 'third', '10.2.0.3', swarm);
    const landed = await expectCounted(b, 'hash_reports_total', 'conflict', 1);
    vote(third, swarm, 'seg-2');
    vote(asker, swarm, 'seg-2', BAD);
    await landed();
    for (const client of [asker, first, second, third]) await expectNothingPending(client);
  });

  it('needs distinct addresses across processes, and keeps the first accepted hash final', async () => {
    const [a, b] = cluster.servers();
    const swarm = 'addresses/720p';
    const one = await viewer(a, 'one', '10.3.0.1', swarm);
    const twin = await viewer(b, 'twin', '10.3.0.1', swarm);
    const other = await viewer(b, 'other', '10.3.0.2', swarm);
    const landed = [
      await expectCounted(a, 'hash_reports_total', 'counted', 1),
      await expectCounted(b, 'hash_reports_total', 'counted', 1),
    ];
    vote(one, swarm, 'seg-1', BAD);
    vote(twin, swarm, 'seg-1', BAD);
    for (const wait of landed) await wait();
    expect(await query(other, swarm, ['seg-1'])).toEqual({ swarm, hashes: [] });
    vote(other, swarm, 'seg-1', BAD);
    const accepted = { swarm, hashes: [{ segment: 'seg-1', size: 4_096, sha256: BAD, source: 'swarm' }] };
    expect((await other.expect('SEGMENT-HASHES')).payload).toEqual(accepted);
    // Two more viewers agreeing on another hash do not displace it.
    const late = [await viewer(a, 'late1', '10.3.0.3', swarm), await viewer(a, 'late2', '10.3.0.4', swarm)];
    const conflicts = await expectCounted(a, 'hash_reports_total', 'conflict', 2);
    for (const client of late) vote(client, swarm, 'seg-1', GOOD);
    await conflicts();
    expect(await query(one, swarm, ['seg-1'])).toEqual(accepted);
  });

  it('excludes a peer reported by peerReportThreshold reporters on different processes from every process', async () => {
    const [a, b] = cluster.servers();
    const swarm = 'reports/720p';
    const liar = await viewer(a, 'liar', '10.4.0.1', swarm);
    const reporters = [
      await viewer(a, 'rep1', '10.4.0.2', swarm),
      await viewer(b, 'rep2', '10.4.0.3', swarm),
      await viewer(b, 'rep3', '10.4.0.4', swarm),
    ];
    const report = (client: TestClient) =>
      client.send({ type: 'PEER-REPORT', payload: { swarm, peer: 'liar', reason: 'sha-256 mismatch' } });
    const counted = [
      await expectCounted(a, 'peer_reports_total', 'counted', 1),
      await expectCounted(b, 'peer_reports_total', 'counted', 1),
    ];
    report(reporters[0] as TestClient);
    report(reporters[1] as TestClient);
    for (const wait of counted) await wait();
    const before = await cluster.open(b, 'before', { headers: { 'x-forwarded-for': '10.4.0.5' } });
    before.send({ type: 'SWARM-JOIN', payload: { swarm } });
    expect((await expectPastNews(before, 'SWARM-PEERS')).payload.peers).toContain('liar');
    const excluded = await expectCounted(b, 'peer_reports_total', 'excluded', 1);
    report(reporters[2] as TestClient);
    await excluded();
    // A newcomer on the other process no longer sees it; its rejoin is announced to nobody.
    const after = await cluster.open(a, 'after', { headers: { 'x-forwarded-for': '10.4.0.6' } });
    after.send({ type: 'SWARM-JOIN', payload: { swarm } });
    const peers = (await expectPastNews(after, 'SWARM-PEERS')).payload.peers as string[];
    expect(peers.sort()).toEqual(['before', 'rep1', 'rep2', 'rep3']);
    liar.send({ type: 'SWARM-LEAVE', payload: { swarm } });
    liar.send({ type: 'SWARM-JOIN', payload: { swarm } });
    await expectPastNews(liar, 'SWARM-PEERS');
    for (const client of [after, before, ...reporters]) await expectNothingPending(client);
  });
});
