// --swarm-only-signaling in cluster mode (two processes, one Redis): swarm-mates on different processes
// signal each other; a peer in no swarm is refused whichever process holds its target, and on one process
// the full rule (a shared swarm) holds.
import { describe, expect, it } from 'vitest';
import { useCluster } from './signal-cluster-fixture';

const offer = (dst: string) => ({ type: 'OFFER', payload: { sdp: 'v=0', connectionId: 'dc_1' }, dst });
const join = (swarm: string) => ({ type: 'SWARM-JOIN', payload: { swarm } });

const cluster = useCluster(['--swarm-only-signaling']);
const { open } = cluster;

describe('swarm-only signaling in cluster mode', () => {
  it('relays between swarm-mates on different processes, answers included', async () => {
    const [a, b] = cluster.servers();
    const alice = await open(a, 'alice');
    const bob = await open(b, 'bob');
    alice.send(join('live/720p'));
    await alice.expect('SWARM-PEERS');
    bob.send(join('live/720p'));
    expect((await bob.expect('SWARM-PEERS')).payload.peers).toEqual(['alice']);
    await alice.expect('SWARM-JOINED');
    bob.send(offer('alice'));
    expect((await alice.expect('OFFER')).src).toBe('bob');
    alice.send({ type: 'ANSWER', payload: { sdp: 'v=0', connectionId: 'dc_1' }, dst: 'bob' });
    expect((await bob.expect('ANSWER')).src).toBe('alice');
  });

  it('refuses a peer in no swarm, and on one process a peer of another swarm', async () => {
    const [a, b] = cluster.servers();
    const carol = await open(a, 'carol');
    carol.send(join('live/1080p'));
    await carol.expect('SWARM-PEERS');
    const remote = await open(b, 'mallory1');
    remote.send(offer('carol'));
    expect((await remote.expect('ERROR')).payload.code).toBe('not-in-swarm');
    const local = await open(a, 'mallory2');
    local.send(join('other/720p'));
    await local.expect('SWARM-PEERS');
    local.send(offer('carol'));
    expect((await local.expect('ERROR')).payload.code).toBe('not-in-swarm');
    await carol.expectNothingPending();
  });
});
