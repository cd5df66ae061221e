// Every limit and every kind of hostile input, sent for real over WebSockets: each gets a clear ERROR or a
// close with a reason, and the server keeps serving everyone else.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useSignalServer } from './signal-test-client';

const OFFER = {
  type: 'OFFER',
  payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId: 'dc_1' },
};

const { start, open, connect, fetch } = useSignalServer();

async function metrics(): Promise<string> {
  return (await fetch('/metrics')).text();
}

/** Two fresh peers can still talk: the server did not stall or crash. */
async function expectRelayStillWorks(): Promise<void> {
  const alice = await open('bystander-a');
  const bob = await open('bystander-b');
  alice.send({ ...OFFER, dst: 'bystander-b' });
  expect((await bob.expect('OFFER')).src).toBe('bystander-a');
}

describe('hostile messages', () => {
  it('answers each malformed message with a coded ERROR and keeps the connection', async () => {
    await start();
    const mallory = await open('mallory');
    const bob = await open('bob');
    const cases: [string, string][] = [
      ['{"type":', 'malformed-json'],
      ['[1,2,3]', 'invalid-message'],
      ['null', 'invalid-message'],
      ['{"payload":{}}', 'invalid-message'],
      ['{"type":"SHOUT"}', 'unknown-type'],
      ['{"type":"SWARM-EXPLODE","payload":{"swarm":"a"}}', 'unknown-type'],
      [JSON.stringify({ ...OFFER, src: 'bob', dst: 'bob' }), 'forged-src'],
      // JSON keeps the last duplicate key: a src after the real one must be refused, not spliced around.
      [`${JSON.stringify({ ...OFFER, dst: 'bob' }).slice(0, -1)},"src":"eve"}`, 'forged-src'],
      [JSON.stringify({ ...OFFER, src: null, dst: 'bob' }), 'forged-src'],
      [JSON.stringify(OFFER), 'missing-dst'],
      [JSON.stringify({ ...OFFER, dst: 42 }), 'invalid-dst'],
      [JSON.stringify({ ...OFFER, dst: 'bob"injected' }), 'invalid-dst'],
      [JSON.stringify({ type: 'OFFER', dst: 'bob' }), 'invalid-payload'],
      [JSON.stringify({ type: 'CANDIDATE', payload: 'x', dst: 'bob' }), 'invalid-payload'],
    ];
    for (const [text, code] of cases) {
      mallory.send(text);
      const error = await mallory.expect('ERROR');
      expect(error.payload, text).toMatchObject({ code, msg: expect.any(String) });
    }
    // Nothing reached Bob, and Mallory is still connected and served.
    await bob.expectNothingPending();
    mallory.send({ ...OFFER, dst: 'bob' });
    expect(await bob.expect('OFFER')).toMatchObject({ src: 'mallory', dst: 'bob' });
    expect(await metrics()).toMatch(/peerlane_signal_rejects_total\{reason="forged-src"\} 3/);
  });

  it('keeps a src nested inside the payload as the client sent it', async () => {
    await start();
    const alice = await open('alice');
    const bob = await open('bob');
    const payload = { ...OFFER.payload, src: 'inner', metadata: { note: '{"src":"x"}' } };
    alice.send(`  \n${JSON.stringify({ type: 'OFFER', payload, dst: 'bob' })}`);
    expect(await bob.expect('OFFER')).toEqual({ type: 'OFFER', src: 'alice', payload, dst: 'bob' });
  });

  it('closes a binary frame with ERROR binary-frame and code 1003', async () => {
    await start();
    const mallory = await open('mallory');
    mallory.socket.send(Buffer.from('{"type":"HEARTBEAT"}'), { binary: true });
    expect((await mallory.expect('ERROR')).payload.code).toBe('binary-frame');
    expect(await mallory.closed).toEqual({ code: 1003, reason: 'binary-frame' });
    await expectRelayStillWorks();
  });
});

describe('limits', () => {
  it('maxPayloadBytes: a larger message gets ERROR payload-too-large and close 1009', async () => {
    await start({ maxPayloadBytes: 1024 });
    const mallory = await open('mallory');
    mallory.send({ ...OFFER, payload: { ...OFFER.payload, sdp: 'x'.repeat(1500) }, dst: 'bob' });
    expect((await mallory.expect('ERROR')).payload).toMatchObject({ code: 'payload-too-large' });
    expect(await mallory.closed).toEqual({ code: 1009, reason: 'payload-too-large' });
  });

  it('maxPayloadBytes: a frame far over the limit is cut by the engine, and others are unaffected', async () => {
    await start({ maxPayloadBytes: 1024 });
    const mallory = await open('mallory');
    mallory.send('x'.repeat(100_000));
    expect((await mallory.closed).code).toBe(1006);
    await expectRelayStillWorks();
    expect(await metrics()).toMatch(/peerlane_signal_rejects_total\{reason="payload-too-large"\} 1/);
  });

  it('maxMessagesPerSecond/messageBurst: ERROR rate-limited, messages dropped, then close 1008 on a flood', async () => {
    await start({ maxMessagesPerSecond: 1, messageBurst: 5 });
    const mallory = await open('mallory');
    const bob = await open('bob');
    for (let i = 0; i < 5; i++) mallory.send({ type: 'HEARTBEAT' });
    mallory.send({ ...OFFER, dst: 'bob' });
    for (let i = 0; i < 20; i++) mallory.send({ type: 'HEARTBEAT' });
    expect((await mallory.expect('ERROR')).payload).toMatchObject({ code: 'rate-limited' });
    expect((await mallory.expect('ERROR')).payload).toMatchObject({ code: 'flood' });
    expect(await mallory.closed).toEqual({ code: 1008, reason: 'flood' });
    await bob.expectNothingPending();
    expect(await metrics()).toMatch(
      /peerlane_signal_messages_dropped_total\{type="any",reason="rate-limited"\} \d+/,
    );
  });

  it('maxQueuedPerPeer: messages beyond it for one absent peer come back as EXPIRE at once', async () => {
    await start({ maxQueuedPerPeer: 2, expireTimeoutMs: 60_000 });
    const alice = await open('alice');
    for (let i = 0; i < 3; i++) alice.send({ ...OFFER, dst: 'ghost' });
    expect(await alice.expect('EXPIRE')).toEqual({ type: 'EXPIRE', src: 'ghost', dst: 'alice' });
    const ghost = await open('ghost');
    await ghost.expect('OFFER');
    await ghost.expect('OFFER');
    await ghost.expectNothingPending();
  });

  it('maxQueuedTotal: bounds the messages held for all absent peers together', async () => {
    await start({ maxQueuedTotal: 3, maxQueuedPerPeer: 10, expireTimeoutMs: 60_000 });
    const alice = await open('alice');
    alice.send({ ...OFFER, dst: 'ghost1' });
    alice.send({ ...OFFER, dst: 'ghost1' });
    alice.send({ ...OFFER, dst: 'ghost2' });
    alice.send({ ...OFFER, dst: 'ghost3' });
    expect(await alice.expect('EXPIRE')).toMatchObject({ src: 'ghost3' });
    const health = await (await fetch('/healthz')).json();
    expect(health.status).toBe('ok');
    expect(await metrics()).toMatch(/peerlane_signal_queued_messages 3/);
  });

  it('idleTimeoutMs: a silent connection is closed with 4002, a heartbeating one stays', async () => {
    await start({ idleTimeoutMs: 1_000, sweepIntervalMs: 50 });
    const silent = await open('silent');
    const alive = await open('alive');
    const heartbeat = setInterval(() => alive.send({ type: 'HEARTBEAT' }), 100);
    try {
      expect(await silent.closed).toEqual({ code: 4002, reason: 'idle-timeout' });
      await alive.expectNothingPending();
    } finally {
      clearInterval(heartbeat);
    }
  });

  it('maxBufferedBytes: a reader that stops reading is closed (slow-reader) and the sender gets LEAVE', async () => {
    await start({
      maxBufferedBytes: 64 * 1024,
      maxPayloadBytes: 64 * 1024,
      maxMessagesPerSecond: 1_000_000,
      messageBurst: 1_000_000,
    });
    const alice = await open('alice');
    const bob = await open('bob');
    const bobTcp = (bob.socket as unknown as { _socket: Socket })._socket;
    bobTcp.pause();
    let left = false;
    const leave = alice.expect('LEAVE').then((message) => {
      left = true;
      return message;
    });
    const big = JSON.stringify({
      ...OFFER,
      payload: { ...OFFER.payload, sdp: 'x'.repeat(60_000) },
      dst: 'bob',
    });
    // Kernel buffers on loopback absorb several MB first; the bound keeps a regression from hanging.
    for (let sent = 0; !left && sent < 4_000; sent++) {
      await new Promise<void>((resolve) => alice.socket.send(big, () => resolve()));
    }
    expect(await leave).toEqual({ type: 'LEAVE', src: 'bob', dst: 'alice' });
    bobTcp.resume();
    expect(await bob.closed).toEqual({ code: 4003, reason: 'slow-reader' });
    expect(await metrics()).toMatch(/peerlane_signal_rejects_total\{reason="slow-reader"\} 1/);
  });

  it('maxConnections: one more gets ERROR server-full and close 1013; a freed slot is reusable', async () => {
    await start({ maxConnections: 2 });
    const first = await open('first');
    await open('second');
    const third = await connect('third');
    expect((await third.expect('ERROR')).payload).toMatchObject({ code: 'server-full' });
    expect(await third.closed).toEqual({ code: 1013, reason: 'server-full' });
    await first.close();
    await open('fourth');
  });
});
