// Hostile clients against the signaling rules, without sockets: signaling only between swarm-mates (with
// the contact rule for racy membership), per-IP message limits across sockets, and no amplification.
import { describe, expect, it } from 'vitest';
import { type FakeSocket, setupSignaling as setup } from './signal-signaling-harness';

const offer = (dst: string) => ({ type: 'OFFER', payload: { sdp: 'v=0', connectionId: 'dc_1' }, dst });
const answer = (dst: string) => ({ type: 'ANSWER', payload: { sdp: 'v=0', connectionId: 'dc_1' }, dst });
const join = (swarm: string) => ({ type: 'SWARM-JOIN', payload: { swarm } });
const leave = (swarm: string) => ({ type: 'SWARM-LEAVE', payload: { swarm } });

/** Two connected peers, each in the swarm given (or none), with their OPEN and SWARM-PEERS read. */
function pair(names: [string, string], swarms: [string | null, string | null]) {
  const harness = setup({ swarmOnlySignaling: true });
  const sockets = names.map((name, n) => {
    const socket = harness.connect(name);
    const swarm = swarms[n];
    if (swarm) harness.send(socket, join(swarm));
    return socket;
  }) as [FakeSocket, FakeSocket];
  for (const socket of sockets) harness.received(socket);
  return { ...harness, sockets };
}

describe('swarmOnlySignaling', () => {
  it('refuses OFFER/ANSWER/CANDIDATE to a peer sharing no swarm with ERROR not-in-swarm, and drops it', () => {
    const { send, received, events, sockets } = pair(['mallory', 'victim'], ['other/720p', 'live/720p']);
    const [mallory, victim] = sockets;
    for (const type of ['OFFER', 'ANSWER', 'CANDIDATE'])
      send(mallory, { type, payload: { connectionId: 'x' }, dst: 'victim' });
    const errors = received(mallory).map((message) => message.payload.code);
    expect(errors).toEqual(['not-in-swarm', 'not-in-swarm', 'not-in-swarm']);
    expect(received(victim)).toEqual([]);
    expect(events.filter((event) => event.endsWith('not-in-swarm'))).toContain('dropped OFFER not-in-swarm');
  });

  it('refuses queuing for an absent id that is not a contact (no mailbox for strangers)', () => {
    const { connect, send, received } = setup({ swarmOnlySignaling: true });
    const mallory = connect('mallory');
    send(mallory, join('live/720p'));
    received(mallory);
    send(mallory, offer('not-yet-here'));
    expect(received(mallory).map((message) => message.payload?.code)).toEqual(['not-in-swarm']);
  });

  it('relays between swarm-mates, and the answer still passes after either one left the swarm', () => {
    const { send, received, sockets } = pair(['alice', 'bob'], ['live/720p', 'live/720p']);
    const [alice, bob] = sockets;
    send(alice, offer('bob'));
    expect(received(bob).map((message) => [message.type, message.src])).toEqual([['OFFER', 'alice']]);
    // Racy membership: the dialer switched rendition before the answer and candidates came back.
    send(alice, leave('live/720p'));
    send(bob, answer('alice'));
    send(bob, { type: 'CANDIDATE', payload: { candidate: {}, connectionId: 'dc_1' }, dst: 'alice' });
    expect(received(alice).map((message) => message.type)).toEqual(['ANSWER', 'CANDIDATE']);
    expect(received(bob)).toEqual([]);
  });

  it('keeps contacts across a same-token reconnect, so candidates in flight are not refused', () => {
    const { connect, send, received, sockets } = pair(['alice', 'bob'], ['s', 's']);
    const [alice] = sockets;
    send(alice, offer('bob'));
    const bobAgain = connect('bob');
    received(alice);
    received(bobAgain);
    send(bobAgain, answer('alice'));
    expect(received(alice).map((message) => message.type)).toEqual(['ANSWER']);
    expect(received(bobAgain)).toEqual([]);
  });

  it('is off by default: stock PeerJS peers signal each other without swarms', () => {
    const { connect, send, received } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    received(bob);
    send(alice, offer('bob'));
    expect(received(bob).map((message) => message.type)).toEqual(['OFFER']);
  });
});

describe('id squatting', () => {
  it("keeps a closed peer's id bound to its token for idReserveMs: a watcher cannot take it meanwhile", () => {
    const { connect, received, advance, finishClose } = setup({ idReserveMs: 10_000 });
    const alice = connect('alice', { token: 'alice-token-1' });
    finishClose(alice); // network blip: the socket is gone, the page is reconnecting
    const squatter = connect('alice', { token: 'squatter-token' });
    expect(received(squatter).map((message) => message.type)).toEqual(['ID-TAKEN']);
    expect(squatter.closedWith).toEqual({ code: 4001, reason: 'id-taken' });
    const back = connect('alice', { token: 'alice-token-1' });
    expect(received(back).map((message) => message.type)).toEqual(['OPEN']);
    finishClose(back);
    advance(10_001);
    const later = connect('alice', { token: 'someone-else' });
    expect(received(later).map((message) => message.type)).toEqual(['OPEN']);
  });

  it('refuses a short token, which would make an id guessable to take over', () => {
    const { connect, received } = setup({ minTokenLength: 8 });
    const client = connect('bob', { token: 'abc1234' });
    expect(received(client).map((message) => message.payload?.code)).toEqual(['invalid-token']);
  });
});

describe('per-IP message limit', () => {
  it('spreads one bucket over every socket of an address; other addresses are unaffected', () => {
    const { connect, send, received } = setup({ maxMessagesPerSecondPerIp: 5 });
    // 4 sockets from one address, each far under its own 200-message burst, 20 (4 s × 5/s) together.
    const flooders = ['f1', 'f2', 'f3', 'f4'].map((id) => connect(id, { ip: '203.0.113.9' }));
    const honest = connect('honest', { ip: '198.51.100.7' });
    for (const socket of [...flooders, honest]) received(socket);
    for (let round = 0; round < 10; round++) for (const socket of flooders) send(socket, { type: 'PROBE' });
    const codes = flooders.flatMap((socket) => received(socket).map((message) => message.payload.code));
    expect(codes.filter((code) => code === 'unknown-type')).toHaveLength(20);
    expect(codes.filter((code) => code === 'ip-rate-limited')).toHaveLength(1);
    expect(flooders.every((socket) => socket.closedWith === null)).toBe(true);
    send(honest, { type: 'PROBE' });
    expect(received(honest).map((message) => message.payload.code)).toEqual(['unknown-type']);
  });

  it('caps the address debt at one burst: the address recovers within seconds of the flood ending', () => {
    // Per-connection limits out of the way: only the address bucket is tested.
    const limits = { maxMessagesPerSecondPerIp: 5, maxMessagesPerSecond: 100_000, messageBurst: 100_000 };
    const { connect, send, received, advance } = setup(limits);
    const sockets = ['a1', 'a2', 'a3'].map((id) => connect(id, { ip: '203.0.113.9' }));
    for (let n = 0; n < 3_000; n++) send(sockets[n % 3] as FakeSocket, { type: 'HEARTBEAT' });
    for (const socket of sockets) received(socket);
    expect(sockets.every((socket) => socket.closedWith === null)).toBe(true);
    advance(8_000); // 40 tokens: pays the 20-message debt cap and refills half the bucket
    send(sockets[0] as FakeSocket, { type: 'PROBE' });
    expect(received(sockets[0] as FakeSocket).map((message) => message.payload.code)).toEqual([
      'unknown-type',
    ]);
  });
});

describe('no amplification', () => {
  it('charges a first SWARM-JOIN what it may announce, so join/leave loops cannot multiply messages', () => {
    const { connect, send, received } = setup({ swarmAnnounceLimit: 10, messageBurst: 200 });
    const members = Array.from({ length: 12 }, (_, n) => connect(`member${n}`));
    for (const member of members) send(member, join('s'));
    const attacker = connect('attacker');
    for (const socket of [...members, attacker]) received(socket);
    // Without the charge, 200 messages of join/leave would make 100 × 10 announcements.
    for (let n = 0; n < 100; n++) {
      send(attacker, join('s'));
      send(attacker, leave('s'));
    }
    const announced = members.reduce((sum, member) => sum + received(member).length, 0);
    const answers = received(attacker).filter((message) => message.type === 'SWARM-PEERS').length;
    expect(announced).toBeLessThanOrEqual(200);
    expect(announced + answers).toBeLessThanOrEqual(200 + 10);
  });

  it('answers one EXPIRE per sender and destination, however many messages were queued', () => {
    const { connect, send, received, advance } = setup({ maxQueuedPerPeer: 64 });
    const sender = connect('sender');
    received(sender);
    for (let n = 0; n < 60; n++) send(sender, offer('absent'));
    advance(6_000);
    expect(received(sender).map((message) => message.type)).toEqual(['EXPIRE']);
  });
});
