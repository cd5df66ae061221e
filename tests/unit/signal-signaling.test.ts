// The signaling rules without sockets: a fake transport records what would be sent and closed, and a
// fake clock drives expiry and idle timeouts.
import { describe, expect, it } from 'vitest';
import { type FakeSocket, setupSignaling as setup } from './signal-signaling-harness';

describe('Signaling', () => {
  it('says OPEN, then relays with the sender as src and the text otherwise untouched', () => {
    const { connect, signaling, received, events } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    expect(received(alice)).toEqual([{ type: 'OPEN' }]);
    received(bob);
    signaling.message(alice.session, '{"type":"OFFER","payload":{"sdp":"v=0 \\u00e9"},"dst":"bob"}');
    expect(bob.sent).toEqual(['{"src":"alice","type":"OFFER","payload":{"sdp":"v=0 \\u00e9"},"dst":"bob"}']);
    expect(alice.sent).toEqual([]);
    expect(events).toEqual(['relayed OFFER']);
  });

  it('queues for an absent peer, delivers in order after OPEN, and forgets delivered messages', () => {
    const { connect, send, received, advance } = setup();
    const alice = connect('alice');
    received(alice);
    send(alice, { type: 'OFFER', payload: { n: 1 }, dst: 'bob' });
    send(alice, { type: 'CANDIDATE', payload: { n: 2 }, dst: 'bob' });
    const bob = connect('bob');
    expect(received(bob).map((message) => message.type)).toEqual(['OPEN', 'OFFER', 'CANDIDATE']);
    advance(60_000);
    expect(received(alice)).toEqual([]);
  });

  it('expires unclaimed messages with one EXPIRE per sender and destination', () => {
    const { connect, send, received, advance, events } = setup({ expireTimeoutMs: 5_000 });
    const alice = connect('alice');
    received(alice);
    send(alice, { type: 'OFFER', payload: {}, dst: 'ghost' });
    send(alice, { type: 'CANDIDATE', payload: {}, dst: 'ghost' });
    advance(4_999);
    expect(received(alice)).toEqual([]);
    advance(1);
    expect(received(alice)).toEqual([{ type: 'EXPIRE', src: 'ghost', dst: 'alice' }]);
    expect(events).toEqual(['dropped OFFER expired', 'dropped CANDIDATE expired']);
  });

  it('closes connections idle for longer than idleTimeoutMs, and any message counts as activity', () => {
    const { connect, send, advance } = setup({ idleTimeoutMs: 10_000 });
    const idle = connect('idle');
    const busy = connect('busy');
    advance(6_000);
    send(busy, { type: 'HEARTBEAT' });
    advance(6_000);
    expect(idle.closedWith).toEqual({ code: 4002, reason: 'idle-timeout' });
    expect(busy.closedWith).toBeNull();
  });

  it('closes a reader whose buffer is over maxBufferedBytes and tells the sender LEAVE', () => {
    const { connect, send, received, events } = setup({ maxBufferedBytes: 1_000 });
    const alice = connect('alice');
    const bob = connect('bob');
    received(alice);
    bob.buffered = 1_001;
    send(alice, { type: 'OFFER', payload: {}, dst: 'bob' });
    expect(bob.closedWith).toEqual({ code: 4003, reason: 'slow-reader' });
    expect(received(alice)).toEqual([{ type: 'LEAVE', src: 'bob', dst: 'alice' }]);
    expect(events).toContain('dropped OFFER slow-reader');
    // Bob is gone: the next message for him waits in the queue instead.
    send(alice, { type: 'OFFER', payload: {}, dst: 'bob' });
    expect(received(alice)).toEqual([]);
  });

  it('replaces a same-token reconnect; the old socket closing late does not evict the new one', () => {
    const { connect, send, received, finishClose, signaling } = setup({}, { asyncClose: true });
    const old = connect('carol');
    send(old, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    const fresh = connect('carol');
    expect(old.closedWith).toEqual({ code: 4000, reason: 'replaced' });
    send(fresh, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    finishClose(old);
    expect(signaling.directory.get('carol')).toBe(fresh.session);
    expect(signaling.stats()).toMatchObject({ connections: 1, peers: 1, swarms: 1, members: 1 });
    const dave = connect('dave');
    send(dave, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    expect(received(dave).at(-1)).toEqual({ type: 'SWARM-PEERS', payload: { swarm: 's', peers: ['carol'] } });
  });

  it('refuses at open what the handshake rejected, with the message type peerjs expects', () => {
    const { connect, received } = setup({ maxConnections: 1 });
    connect('first');
    const full = connect('second');
    expect(received(full)).toEqual([
      { type: 'ERROR', payload: { code: 'server-full', msg: expect.any(String) } },
    ]);
    expect(full.closedWith).toEqual({ code: 1013, reason: 'server-full' });
    const badKey = setup().connect('x', { key: 'nope' });
    expect(received(badKey)[0].type).toBe('INVALID-KEY');
  });

  it('shutdown ends every peer with 1001 and resolves once all have closed', async () => {
    const { connect, signaling, finishClose } = setup({}, { asyncClose: true });
    const peers = [connect('a'), connect('b')];
    let done = false;
    const shutdown = signaling.shutdown().then(() => {
      done = true;
    });
    for (const peer of peers) expect(peer.closedWith).toEqual({ code: 1001, reason: 'going-away' });
    finishClose(peers[0] as FakeSocket);
    await Promise.resolve();
    expect(done).toBe(false);
    finishClose(peers[1] as FakeSocket);
    await shutdown;
    expect(signaling.stats().connections).toBe(0);
  });
});
