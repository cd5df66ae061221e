// Swarms over real WebSockets: SWARM-JOIN answers a bounded SWARM-PEERS without the joiner, newcomers are
// announced to a bounded number of members, members leave on SWARM-LEAVE and on close, limits hold.
import { describe, expect, it } from 'vitest';
import { type ServerMessage, type TestClient, useSignalServer } from './signal-test-client';

const { start, open, fetch } = useSignalServer();

async function join(client: TestClient, swarm: string): Promise<string[]> {
  client.send({ type: 'SWARM-JOIN', payload: { swarm } });
  const answer = await client.expect('SWARM-PEERS');
  expect(answer.payload.swarm).toBe(swarm);
  return answer.payload.peers;
}

/** Every SWARM-JOINED received so far: a probe's ERROR marks the end of what the server had sent. */
async function announcements(client: TestClient): Promise<ServerMessage['payload'][]> {
  client.send({ type: 'PROBE' });
  const received = [];
  for (let message = await client.next(); message.type !== 'ERROR'; message = await client.next()) {
    expect(message.type).toBe('SWARM-JOINED');
    received.push(message.payload);
  }
  return received;
}

describe('swarms', () => {
  it('answers SWARM-JOIN with the other members, never the joiner, and announces the newcomer', async () => {
    await start();
    const first = await open('first');
    expect(await join(first, 'live/720p')).toEqual([]);
    const second = await open('second');
    expect(await join(second, 'live/720p')).toEqual(['first']);
    expect(await first.expect('SWARM-JOINED')).toEqual({
      type: 'SWARM-JOINED',
      payload: { swarm: 'live/720p', peer: 'second' },
    });
    // Another rendition is another swarm.
    const other = await open('other');
    expect(await join(other, 'live/480p')).toEqual([]);
    expect(await announcements(first)).toEqual([]);
  });

  it('swarmPeersLimit: SWARM-PEERS lists at most that many distinct members', async () => {
    await start({ swarmPeersLimit: 3 });
    for (let i = 0; i < 6; i++) await join(await open(`member${i}`), 'vod');
    const joiner = await open('joiner');
    const peers = await join(joiner, 'vod');
    expect(peers).toHaveLength(3);
    expect(new Set(peers).size).toBe(3);
    for (const peer of peers) expect(peer).toMatch(/^member[0-5]$/);
  });

  it('swarmAnnounceLimit: only that many members hear of a newcomer', async () => {
    await start({ swarmAnnounceLimit: 2 });
    const members: TestClient[] = [];
    for (let i = 0; i < 4; i++) {
      const member = await open(`member${i}`);
      await join(member, 'vod');
      members.push(member);
    }
    // Drop the announcements the members got of each other while joining.
    for (const member of members) await announcements(member);
    await join(await open('newcomer'), 'vod');
    const told = [];
    for (const member of members) told.push(...(await announcements(member)));
    expect(told).toEqual([
      { swarm: 'vod', peer: 'newcomer' },
      { swarm: 'vod', peer: 'newcomer' },
    ]);
  });

  it('removes a member on SWARM-LEAVE and on close', async () => {
    await start();
    const leaver = await open('leaver');
    const closer = await open('closer');
    const stayer = await open('stayer');
    for (const client of [leaver, closer, stayer]) await join(client, 'vod');
    leaver.send({ type: 'SWARM-LEAVE', payload: { swarm: 'vod' } });
    await announcements(leaver);
    await closer.close();
    const late = await open('late');
    expect(await join(late, 'vod')).toEqual(['stayer']);
    // Leaving a swarm one is not in is harmless.
    leaver.send({ type: 'SWARM-LEAVE', payload: { swarm: 'vod' } });
    await leaver.expectNothingPending();
  });

  it('answers a repeated SWARM-JOIN with a fresh list and does not announce again', async () => {
    await start();
    const first = await open('first');
    const second = await open('second');
    await join(first, 'vod');
    await join(second, 'vod');
    await first.expect('SWARM-JOINED');
    expect(await join(second, 'vod')).toEqual(['first']);
    expect(await announcements(first)).toEqual([]);
  });

  it('maxSwarmsPerPeer: one more swarm gets ERROR too-many-swarms until the peer leaves one', async () => {
    await start({ maxSwarmsPerPeer: 2 });
    const peer = await open('peer');
    await join(peer, 'a');
    await join(peer, 'b');
    peer.send({ type: 'SWARM-JOIN', payload: { swarm: 'c' } });
    expect((await peer.expect('ERROR')).payload).toMatchObject({ code: 'too-many-swarms' });
    peer.send({ type: 'SWARM-LEAVE', payload: { swarm: 'a' } });
    await join(peer, 'c');
  });

  it('refuses invalid swarm keys with ERROR invalid-swarm', async () => {
    await start();
    const peer = await open('peer');
    const invalid = [{}, { swarm: '' }, { swarm: 'x'.repeat(257) }, { swarm: 'a\nb' }, { swarm: 7 }];
    for (const payload of [...invalid, undefined]) {
      peer.send({ type: 'SWARM-JOIN', payload });
      expect((await peer.expect('ERROR')).payload.code).toBe('invalid-swarm');
    }
  });

  it('reports swarms and members in /metrics and /healthz', async () => {
    await start();
    await join(await open('one'), 'a');
    const two = await open('two');
    await join(two, 'a');
    await join(two, 'b');
    const text = await (await fetch('/metrics')).text();
    expect(text).toMatch(/peerlane_signal_swarms 2/);
    expect(text).toMatch(/peerlane_signal_swarm_members 3/);
    const health = await (await fetch('/healthz')).json();
    expect(health).toMatchObject({ swarms: 2, peers: 2, connections: 2 });
  });
});
