// Redis going away in cluster mode: each process keeps signaling its own peers (relays, new connections,
// swarms of local members), says so in /healthz and /metrics, answers EXPIRE for peers elsewhere, and when
// Redis is back writes its entries again so that signaling across processes resumes by itself.
import { describe, expect, it } from 'vitest';
import { useCluster } from './signal-cluster-fixture';
import { expectPastNews, health, metric } from './signal-cluster-support';

const ARGS = ['--cluster-refresh-ms', '300', '--cluster-ttl-ms', '3000', '--expire-timeout-ms', '800'];
const POLL = { timeout: 15_000, interval: 100 };

const cluster = useCluster(ARGS);
const { open } = cluster;

const offer = (dst: string, n: number) => ({ type: 'OFFER', payload: { connectionId: `dc_${n}` }, dst });

describe('cluster mode while Redis is down', () => {
  it('signals locally, reports it, expires cross-process messages, and recovers when Redis returns', async () => {
    const [a, b] = cluster.servers();
    const alice = await open(a, 'alice');
    const bob = await open(b, 'bob');
    const carol = await open(a, 'carol');
    alice.send(offer('bob', 1));
    expect((await bob.expect('OFFER')).src).toBe('alice');

    await cluster.stopRedis();
    await expect.poll(async () => (await health(a.port)).body.cluster, POLL).toMatchObject({ redis: 'down' });
    expect((await health(a.port)).status, 'still ready: restarting would not bring Redis back').toBe(200);
    expect(await metric(a.port, 'peerlane_signal_redis_up')).toBe(0);
    await expect
      .poll(() => metric(a.port, 'peerlane_signal_redis_errors_total', '{operation="connection"}'), POLL)
      .toBeGreaterThan(0);

    alice.send(offer('carol', 2));
    expect((await carol.expect('OFFER')).src).toBe('alice');
    const ivan = await open(a, 'ivan');
    expect(await metric(a.port, 'peerlane_signal_cluster_claims_total', '{result="unavailable"}')).toBe(1);
    ivan.send({ type: 'SWARM-JOIN', payload: { swarm: 's' } });
    await expectPastNews(ivan, 'SWARM-PEERS');
    carol.send({ type: 'SWARM-JOIN', payload: { swarm: 's' } });
    expect((await expectPastNews(carol, 'SWARM-PEERS')).payload.peers).toEqual(['ivan']);
    alice.send(offer('bob', 3));
    expect(await alice.expect('EXPIRE')).toEqual({ type: 'EXPIRE', src: 'bob', dst: 'alice' });

    const redis = await cluster.restartRedis();
    await expect.poll(async () => (await health(a.port)).body.cluster, POLL).toMatchObject({ redis: 'up' });
    await expect.poll(async () => (await health(b.port)).body.cluster, POLL).toMatchObject({ redis: 'up' });
    // The refresh writes back what the empty Redis lost: locations (ivan's too) and memberships.
    await expect
      .poll(() => redis.client.exists('peerlane:{ivan}:loc', 'peerlane:{bob}:loc', 'peerlane:swarm:s'), POLL)
      .toBe(3);
    alice.send(offer('bob', 4));
    expect(await bob.expect('OFFER')).toMatchObject({ src: 'alice', payload: { connectionId: 'dc_4' } });
    bob.send({ type: 'SWARM-JOIN', payload: { swarm: 's' } });
    expect((await expectPastNews(bob, 'SWARM-PEERS')).payload.peers.sort()).toEqual(['carol', 'ivan']);
  });
});
