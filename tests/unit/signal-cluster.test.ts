// Two signal server processes on one real redis-server (cluster mode): peers connected to different processes
// find each other in a swarm and signal with the server-set src; ids are unique across processes; messages
// for an absent peer wait for it on any process, or come back as EXPIRE.
import { describe, expect, it } from 'vitest';
import { useCluster } from './signal-cluster-fixture';
import { health, metric } from './signal-cluster-support';

const OFFER = {
  type: 'OFFER',
  payload: {
    sdp: { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\na=tab\there\r\n' },
    type: 'data',
    connectionId: 'dc_k2b7a1',
    label: 'dc_k2b7a1',
    reliable: true,
    serialization: 'binary',
  },
};
const EXPIRE_MS = 1_500;

const cluster = useCluster(['--expire-timeout-ms', String(EXPIRE_MS), '--sweep-interval-ms', '100']);
const { open, connect } = cluster;

describe('signal servers in cluster mode on one Redis', () => {
  it('reports cluster mode with sharded pub/sub on Redis 7 in /healthz and /metrics', async () => {
    const [a] = cluster.servers();
    const { status, body } = await health(a.port);
    expect(status).toBe(200);
    expect(body.cluster).toMatchObject({ pubsub: 'sharded', redis: 'up' });
    expect(await metric(a.port, 'peerlane_signal_redis_up')).toBe(1);
  });

  it('lets peers on different processes join one swarm, discover each other and signal with the right src', async () => {
    const [a, b] = cluster.servers();
    const alice = await open(a, 'alice');
    const bob = await open(b, 'bob');
    alice.send({ type: 'SWARM-JOIN', payload: { swarm: 'live/720p' } });
    expect(await alice.expect('SWARM-PEERS')).toEqual({
      type: 'SWARM-PEERS',
      payload: { swarm: 'live/720p', peers: [] },
    });
    bob.send({ type: 'SWARM-JOIN', payload: { swarm: 'live/720p' } });
    expect((await bob.expect('SWARM-PEERS')).payload).toEqual({ swarm: 'live/720p', peers: ['alice'] });
    expect((await alice.expect('SWARM-JOINED')).payload).toEqual({ swarm: 'live/720p', peer: 'bob' });

    bob.send({ ...OFFER, dst: 'alice' });
    expect(await alice.expect('OFFER')).toEqual({ ...OFFER, src: 'bob', dst: 'alice' });
    const answer = {
      type: 'ANSWER',
      payload: { sdp: { type: 'answer', sdp: 'v=0' }, connectionId: 'dc_k2b7a1' },
    };
    alice.send({ ...answer, dst: 'bob' });
    expect(await bob.expect('ANSWER')).toEqual({ ...answer, src: 'alice', dst: 'bob' });
    const candidate = {
      type: 'CANDIDATE',
      payload: { candidate: { candidate: 'c1' }, connectionId: 'dc_k2b7a1' },
    };
    bob.send({ ...candidate, dst: 'alice' });
    expect(await alice.expect('CANDIDATE')).toEqual({ ...candidate, src: 'bob', dst: 'alice' });
    alice.send({ type: 'LEAVE', dst: 'bob' });
    expect(await bob.expect('LEAVE')).toEqual({ type: 'LEAVE', src: 'alice', dst: 'bob' });

    expect(await metric(a.port, 'peerlane_signal_messages_relayed_total', '{type="OFFER"}')).toBe(1);
    // From B: SWARM-JOINED for alice, the OFFER and the CANDIDATE.
    const sentByB = await metric(
      b.port,
      'peerlane_signal_cluster_messages_total',
      '{direction="out",kind="deliver"}',
    );
    expect(sentByB).toBe(3);
  });

  it('keeps the order of a burst of messages between processes', async () => {
    const [a, b] = cluster.servers();
    const sender = await open(a, 'burst-sender');
    const receiver = await open(b, 'burst-receiver');
    for (let n = 0; n < 150; n++) {
      sender.send({ type: 'CANDIDATE', payload: { connectionId: 'dc_1', n }, dst: 'burst-receiver' });
    }
    const received: number[] = [];
    for (let n = 0; n < 150; n++) received.push((await receiver.expect('CANDIDATE')).payload.n);
    expect(received).toEqual([...Array(150).keys()]);
  });

  it('refuses on B an id taken on A with another token, and lets the same token move from A to B', async () => {
    const [a, b] = cluster.servers();
    const first = await open(a, 'carol', { token: 'token-one' });
    const intruder = await connect(b, 'carol', { token: 'token-two' });
    expect((await intruder.expect('ID-TAKEN')).payload.code).toBe('id-taken');
    expect(await intruder.closed).toEqual({ code: 4001, reason: 'id-taken' });

    const moved = await open(b, 'carol', { token: 'token-one' });
    expect(await first.closed).toEqual({ code: 4000, reason: 'replaced' });
    const dave = await open(a, 'dave');
    dave.send({ ...OFFER, dst: 'carol' });
    expect(await moved.expect('OFFER')).toMatchObject({ src: 'dave', dst: 'carol' });
    // The old socket on A leaving did not release the id B now holds.
    expect(await cluster.redis().client.get('peerlane:{carol}:loc')).toMatch(/\ttoken-one$/);
  });

  it('holds messages for a peer that connects to the other process, and delivers them after its OPEN', async () => {
    const [a, b] = cluster.servers();
    const erin = await open(a, 'erin');
    erin.send({ ...OFFER, dst: 'frank' });
    erin.send({ type: 'CANDIDATE', payload: { connectionId: 'dc_k2b7a1', n: 1 }, dst: 'frank' });
    const frank = await connect(b, 'frank');
    expect((await frank.next()).type).toBe('OPEN');
    expect(await frank.expect('OFFER')).toMatchObject({ src: 'erin', payload: OFFER.payload });
    expect((await frank.expect('CANDIDATE')).payload.n).toBe(1);
  });

  it('answers EXPIRE for a peer that never connects anywhere, and drops LEAVE for it', async () => {
    const [, b] = cluster.servers();
    const grace = await open(b, 'grace');
    const sentAt = Date.now();
    grace.send({ type: 'LEAVE', dst: 'nobody' });
    grace.send({ ...OFFER, dst: 'nobody' });
    grace.send({ type: 'CANDIDATE', payload: { connectionId: 'dc_k2b7a1' }, dst: 'nobody' });
    expect(await grace.expect('EXPIRE')).toEqual({ type: 'EXPIRE', src: 'nobody', dst: 'grace' });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(EXPIRE_MS - 100);
    await grace.expectNothingPending();
  });

  it('gives a peer that closes its socket up on every process: its id is free again at once', async () => {
    const [a, b] = cluster.servers();
    const heidi = await open(a, 'heidi', { token: 'token-first' });
    await heidi.close();
    await expect.poll(() => cluster.redis().client.exists('peerlane:{heidi}:loc')).toBe(0);
    const again = await open(b, 'heidi', { token: 'token-second' });
    expect(again.socket.readyState).toBe(again.socket.OPEN);
  });
});
