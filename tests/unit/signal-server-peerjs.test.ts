// The PeerJS server protocol over real WebSockets, on the native uWS engine and on the ws fallback:
// OPEN, relays with a server-set src, HEARTBEAT, ID-TAKEN, reconnect, INVALID-KEY, queueing and EXPIRE.
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../signal-server/http/engine-api';
import { fallbackEngine, useSignalServer } from './signal-test-client';

const OFFER = {
  type: 'OFFER',
  payload: {
    sdp: { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n' },
    type: 'data',
    connectionId: 'dc_k2b7a1',
    label: 'dc_k2b7a1',
    reliable: true,
    serialization: 'binary',
  },
};

const engines: [string, (() => Engine) | undefined][] = [
  ['native uWS', undefined],
  ['ws fallback', fallbackEngine],
];

describe.each(engines)('PeerJS protocol on %s', (_name, engine) => {
  const { start, open, connect } = useSignalServer(engine);

  it('relays OFFER, ANSWER and CANDIDATE with src set by the server and the payload byte-identical', async () => {
    await start();
    const alice = await open('alice');
    const bob = await open('bob');
    alice.send({ ...OFFER, dst: 'bob' });
    const offer = await bob.expect('OFFER');
    expect(offer).toEqual({ ...OFFER, src: 'alice', dst: 'bob' });

    const answer = {
      type: 'ANSWER',
      payload: { sdp: { type: 'answer', sdp: 'v=0' }, connectionId: 'dc_k2b7a1' },
    };
    bob.send({ ...answer, dst: 'alice' });
    expect(await alice.expect('ANSWER')).toEqual({ ...answer, src: 'bob', dst: 'alice' });

    const candidate = {
      type: 'CANDIDATE',
      payload: {
        candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host' },
        connectionId: 'dc_k2b7a1',
      },
    };
    alice.send({ ...candidate, dst: 'bob' });
    expect(await bob.expect('CANDIDATE')).toEqual({ ...candidate, src: 'alice', dst: 'bob' });
  });

  it('relays LEAVE and EXPIRE between connected peers, and a HEARTBEAT gets no answer', async () => {
    await start();
    const alice = await open('alice');
    const bob = await open('bob');
    alice.send({ type: 'LEAVE', dst: 'bob' });
    expect(await bob.expect('LEAVE')).toEqual({ type: 'LEAVE', src: 'alice', dst: 'bob' });
    bob.send({ type: 'EXPIRE', dst: 'alice' });
    expect(await alice.expect('EXPIRE')).toEqual({ type: 'EXPIRE', src: 'bob', dst: 'alice' });
    alice.send({ type: 'HEARTBEAT' });
    await alice.expectNothingPending();
  });

  it('answers ID-TAKEN to the same id with another token and keeps the first connection', async () => {
    await start();
    const first = await open('carol', { token: 'token-one' });
    const intruder = await connect('carol', { token: 'token-two' });
    const taken = await intruder.expect('ID-TAKEN');
    expect(taken.payload).toMatchObject({ code: 'id-taken', msg: expect.stringContaining('ID is taken') });
    expect(await intruder.closed).toEqual({ code: 4001, reason: 'id-taken' });
    const dave = await open('dave');
    dave.send({ ...OFFER, dst: 'carol' });
    expect((await first.expect('OFFER')).src).toBe('dave');
  });

  it('lets the same id and token reconnect: the new socket replaces the old one', async () => {
    await start();
    const old = await open('erin', { token: 'token-same' });
    const fresh = await open('erin', { token: 'token-same' });
    expect(await old.closed).toEqual({ code: 4000, reason: 'replaced' });
    const frank = await open('frank');
    frank.send({ ...OFFER, dst: 'erin' });
    expect((await fresh.expect('OFFER')).src).toBe('frank');
  });

  it('refuses a wrong key with INVALID-KEY and missing parameters with ERROR, then closes', async () => {
    await start({ key: 'secret' });
    const wrongKey = await connect('gina', { key: 'peerjs' });
    expect(await wrongKey.expect('INVALID-KEY')).toMatchObject({ payload: { code: 'invalid-key' } });
    expect(await wrongKey.closed).toEqual({ code: 4001, reason: 'invalid-key' });

    const noToken = await connect('x', { query: 'key=secret&id=hank' });
    const error = await noToken.expect('ERROR');
    expect(error.payload).toMatchObject({
      code: 'invalid-ws-parameters',
      msg: expect.stringContaining('token'),
    });
    expect((await noToken.closed).code).toBe(4001);

    const badId = await connect('bad"id', { key: 'secret' });
    expect((await badId.expect('ERROR')).payload.code).toBe('invalid-id');
  });

  it('accepts ids the peerjs client accepts, including spaces, and routes to them', async () => {
    await start();
    const spaced = await open('viewer one');
    const other = await open('viewer-two');
    other.send({ ...OFFER, dst: 'viewer one' });
    expect(await spaced.expect('OFFER')).toMatchObject({ src: 'viewer-two', dst: 'viewer one' });
  });

  it('holds a message for a peer that connects within the expire window and delivers it after OPEN', async () => {
    await start({ expireTimeoutMs: 30_000 });
    const ivan = await open('ivan');
    ivan.send({ ...OFFER, dst: 'judy' });
    ivan.send({ type: 'CANDIDATE', payload: { candidate: {}, connectionId: 'dc_k2b7a1' }, dst: 'judy' });
    // The probe's answer proves the server handled (queued) both before judy connects.
    await ivan.expectNothingPending();
    const judy = await open('judy');
    expect(await judy.expect('OFFER')).toMatchObject({ src: 'ivan', dst: 'judy' });
    expect(await judy.expect('CANDIDATE')).toMatchObject({ src: 'ivan', dst: 'judy' });
  });

  it('sends EXPIRE back once per absent peer when nobody shows up in time', async () => {
    await start({ expireTimeoutMs: 200, sweepIntervalMs: 50 });
    const kate = await open('kate');
    kate.send({ ...OFFER, dst: 'ghost' });
    kate.send({ type: 'CANDIDATE', payload: { candidate: {} }, dst: 'ghost' });
    expect(await kate.expect('EXPIRE')).toEqual({ type: 'EXPIRE', src: 'ghost', dst: 'kate' });
    await kate.expectNothingPending();
    // Expired means dropped: a late-comer with that id gets nothing but OPEN.
    const ghost = await open('ghost');
    await ghost.expectNothingPending();
  });

  it('drops LEAVE to an absent peer without queueing it', async () => {
    await start();
    const liam = await open('liam');
    liam.send({ type: 'LEAVE', dst: 'nobody' });
    await liam.expectNothingPending();
    const nobody = await open('nobody');
    await nobody.expectNothingPending();
  });
});
