// Losing a process (kill -9) in cluster mode: its peers reconnect to the survivor at once with their id and
// token, messages for a peer of the dead process are held rather than lost, and the peers that never come
// back vanish from Redis and from every swarm once the TTL has passed.
import { describe, expect, it } from 'vitest';
import type { SignalProcess } from '../support/signal-process';
import { useCluster } from './signal-cluster-fixture';
import { expectPastNews, metric } from './signal-cluster-support';
import type { TestClient } from './signal-test-client';

const TTL_MS = 1_500;
const ARGS = [
  ['--cluster-ttl-ms', TTL_MS],
  ['--cluster-refresh-ms', 500],
  ['--expire-timeout-ms', 1_000],
  ['--sweep-interval-ms', 100],
].flatMap(([flag, value]) => [String(flag), String(value)]);
const SWARM = 'vod/360p';

const cluster = useCluster(ARGS);

/** Connects with a token derived from the id, so that a reconnect can present the same one. */
const open = (server: SignalProcess, id: string) => cluster.open(server, id, { token: `token-${id}` });

async function joinSwarm(client: TestClient): Promise<string[]> {
  client.send({ type: 'SWARM-JOIN', payload: { swarm: SWARM } });
  return (await expectPastNews(client, 'SWARM-PEERS')).payload.peers;
}

describe('a signal process killed with SIGKILL', () => {
  it('loses no peer that reconnects, holds messages for the others, and leaves no ghost past the TTL', async () => {
    const [survivor, victim] = cluster.servers();
    const redis = cluster.redis();
    const alice = await open(survivor, 'alice');
    await joinSwarm(alice);
    const onVictim = await Promise.all(['bob', 'carol', 'dave'].map((id) => open(victim, id)));
    for (const peer of onVictim) await joinSwarm(peer);
    for (let n = 0; n < onVictim.length; n++) await alice.expect('SWARM-JOINED');
    // Alice's process now remembers where bob is.
    alice.send({ type: 'OFFER', payload: { connectionId: 'dc_1' }, dst: 'bob' });
    expect((await expectPastNews(onVictim[0] as TestClient, 'OFFER')).src).toBe('alice');

    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    // Bob and carol reconnect as the page agent does: same id and token, to the process still there.
    const [bob, carol] = await Promise.all(
      onVictim.slice(0, 2).map(async (peer, n) => {
        await peer.closed;
        return open(survivor, n === 0 ? 'bob' : 'carol');
      }),
    );
    expect(Date.now() - killedAt, 'reconnected within').toBeLessThan(3_000);
    for (const peer of [bob, carol]) expect((await joinSwarm(peer as TestClient)).length).toBeGreaterThan(0);

    alice.send({ type: 'OFFER', payload: { connectionId: 'dc_2' }, dst: 'bob' });
    expect(await expectPastNews(bob as TestClient, 'OFFER')).toMatchObject({
      src: 'alice',
      payload: { connectionId: 'dc_2' },
    });

    // Dave never comes back: his entry still names the dead process, whose channel nobody hears any more.
    alice.send({ type: 'OFFER', payload: { connectionId: 'dc_3' }, dst: 'dave' });
    expect(await expectPastNews(alice, 'EXPIRE')).toEqual({ type: 'EXPIRE', src: 'dave', dst: 'alice' });
    expect(await metric(survivor.port, 'peerlane_signal_cluster_unheard_total')).toBeGreaterThanOrEqual(1);

    // Ghosts: dave's location expires with its TTL, and the survivor's refresh trims him from the swarm.
    await expect
      .poll(
        async () => [
          await redis.client.exists('peerlane:{dave}:loc'),
          await redis.client.zscore(`peerlane:swarm:${SWARM}`, 'dave'),
        ],
        {
          timeout: TTL_MS + 2_000,
          interval: 100,
        },
      )
      .toEqual([0, null]);
    expect(Date.now() - killedAt, 'ghost gone within the TTL plus one refresh').toBeLessThan(TTL_MS + 1_500);
    expect(await redis.client.get('peerlane:{bob}:loc')).toMatch(/\ttoken-bob$/);

    const newcomer = await open(survivor, 'erin');
    expect((await joinSwarm(newcomer)).sort()).toEqual(['alice', 'bob', 'carol']);
  });
});
