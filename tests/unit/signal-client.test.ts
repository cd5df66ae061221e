// The signal client over a stand-in PeerJS Peer: URL mapping, swarm joins (and re-joins after a reconnect),
// member reports, and which errors stop it and which retry.
import { EventEmitter } from 'node:events';
import type { Peer, PeerOptions } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PeerlaneError } from '../../sw/agent/errors';
import { peerOptionsFor, SignalClient, type SignalEvents } from '../../sw/agent/signal-client';

class FakePeer extends EventEmitter {
  id = 'me';
  destroyed = false;
  readonly socket = Object.assign(new EventEmitter(), { send: vi.fn() });
  reconnect = vi.fn();
  connect = vi.fn(() => ({}));
  destroy(): void {
    this.destroyed = true;
    this.emit('disconnected', this.id);
    this.emit('close');
  }
}

let peers: FakePeer[];
let events: { [Name in keyof SignalEvents]: ReturnType<typeof vi.fn> };
let client: SignalClient;
const latest = () => peers[peers.length - 1] as FakePeer;

beforeEach(() => {
  vi.useFakeTimers();
  peers = [];
  events = {
    members: vi.fn(),
    incoming: vi.fn(),
    unreachable: vi.fn(),
    connected: vi.fn(),
    hashes: vi.fn(),
    qoeSession: vi.fn(),
    error: vi.fn(),
  };
  const create = (_options: PeerOptions) => {
    const peer = new FakePeer();
    peers.push(peer);
    return peer as unknown as Peer;
  };
  client = new SignalClient(
    { signal: 'ws://localhost:9000/', key: 'site', iceServers: [] },
    events as unknown as SignalEvents,
    create,
  );
});

afterEach(() => {
  client.stop();
  vi.useRealTimers();
});

function reported(): PeerlaneError[] {
  return events.error.mock.calls.map(([error]) => error as PeerlaneError);
}

function codes(): string[] {
  return reported().map((error) => error.code);
}

describe('SignalClient', () => {
  it('maps the signal URL onto PeerJS options', () => {
    expect(
      peerOptionsFor({ signal: 'wss://signal.example.com/p2p', key: 'k', iceServers: [] }),
    ).toMatchObject({
      host: 'signal.example.com',
      port: 443,
      path: '/p2p/',
      secure: true,
      key: 'k',
      config: { iceServers: [] },
    });
    const local = peerOptionsFor({ signal: 'ws://localhost:9000/', key: 'k', iceServers: [] });
    expect(local).toMatchObject({ port: 9000, path: '/', secure: false });
    expect(local, 'peerjs picks its own token').not.toHaveProperty('token');
    const signed = 'v1.1900000000.abcdefabcdefabcdefabcdefabcdefabcdefabcdefab';
    expect(
      peerOptionsFor({
        signal: 'ws://localhost:9000/',
        key: 'k',
        peerId: 'me',
        token: signed,
        iceServers: [],
      }),
    ).toMatchObject({ token: signed });
  });

  it('joins swarms once open, and joins them again after reconnecting', async () => {
    client.join('s1');
    expect(latest().socket.send).not.toHaveBeenCalled();
    latest().emit('open', 'me');
    expect(latest().socket.send).toHaveBeenCalledWith({ type: 'SWARM-JOIN', payload: { swarm: 's1' } });
    client.join('s2');
    client.leave('s1');
    expect(latest().socket.send).toHaveBeenLastCalledWith({ type: 'SWARM-LEAVE', payload: { swarm: 's1' } });

    latest().emit('disconnected', 'me');
    expect(codes()).toEqual(['signal-lost']);
    expect(client.peerId).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1300);
    expect(latest().reconnect).toHaveBeenCalledOnce();
    latest().socket.send.mockClear();
    latest().emit('open', 'me');
    expect(latest().socket.send.mock.calls).toEqual([[{ type: 'SWARM-JOIN', payload: { swarm: 's2' } }]]);
  });

  it('reports members of joined swarms only, telling answers from newcomers, with their network tiers', () => {
    client.join('s1');
    latest().emit('open', 'me');
    latest().socket.emit('message', { type: 'SWARM-PEERS', payload: { swarm: 's1', peers: ['a', 'b'] } });
    latest().socket.emit('message', { type: 'SWARM-JOINED', payload: { swarm: 's1', peer: 'c' } });
    latest().socket.emit('message', { type: 'SWARM-PEERS', payload: { swarm: 'other', peers: ['x'] } });
    latest().socket.emit('message', { type: 'SWARM-PEERS', payload: { swarm: 's1', peers: 'nope' } });
    const ranked = { swarm: 's1', peers: ['d', 'e'], networks: ['isp', 'far'] };
    latest().socket.emit('message', { type: 'SWARM-PEERS', payload: ranked });
    latest().socket.emit('message', {
      type: 'SWARM-JOINED',
      payload: { swarm: 's1', peer: 'f', network: 'isp' },
    });
    // A tier list that does not match the peers is not a valid message.
    latest().socket.emit('message', { type: 'SWARM-PEERS', payload: { ...ranked, networks: ['isp'] } });
    expect(events.members.mock.calls).toEqual([
      ['s1', ['a', 'b'], false, undefined],
      ['s1', ['c'], true, undefined],
      ['s1', ['d', 'e'], false, ['isp', 'far']],
      ['s1', ['f'], true, ['isp']],
    ]);
  });

  it('passes on accepted hashes of joined swarms only, and sends hash messages only while open', () => {
    const vote = {
      type: 'SEGMENT-HASH' as const,
      payload: { swarm: 's1', segment: 'seg-1', size: 10, sha256: 'a'.repeat(64) },
    };
    client.join('s1');
    expect(client.send(vote), 'offline: dropped').toBe(false);
    latest().emit('open', 'me');
    expect(events.connected).toHaveBeenCalledOnce();
    expect(client.send(vote)).toBe(true);
    expect(latest().socket.send).toHaveBeenCalledWith(vote);
    const hashes = [{ segment: 'seg-1', size: 10, sha256: 'b'.repeat(64) }];
    latest().socket.emit('message', { type: 'SEGMENT-HASHES', payload: { swarm: 's1', hashes } });
    latest().socket.emit('message', { type: 'SEGMENT-HASHES', payload: { swarm: 'other', hashes } });
    latest().socket.emit('message', {
      type: 'SEGMENT-HASHES',
      payload: { swarm: 's1', hashes: [{ segment: 'seg-2', size: 10, sha256: 'not hex' }] },
    });
    // An entry without a source (a server older than the hash service) is the swarm's.
    expect(events.hashes.mock.calls).toEqual([['s1', [{ ...hashes[0], source: 'swarm' }]]]);
  });

  it('hands over the token of our QoE session (QOE-SESSION), and nothing malformed', () => {
    latest().emit('open', 'me');
    const token = `${'a'.repeat(22)}.${'b'.repeat(22)}`;
    latest().socket.emit('message', { type: 'QOE-SESSION', payload: { session: 'short.token' } });
    latest().socket.emit('message', { type: 'QOE-SESSION', payload: { session: token } });
    expect(events.qoeSession.mock.calls).toEqual([[token]]);
  });

  it('gives up a dial the peer declined (LEAVE), which peerjs never reports for a connection that did not open', () => {
    latest().emit('open', 'me');
    latest().socket.emit('message', { type: 'LEAVE', src: 'peer-x', dst: 'me' });
    latest().socket.emit('message', { type: 'LEAVE', dst: 'me' });
    expect(events.unreachable.mock.calls).toEqual([['peer-x']]);
  });

  it('tells when members of a swarm may still be announced', async () => {
    client.join('s1');
    expect(client.awaitingMembers('s1')).toBe(true); // still reaching the server
    expect(client.awaitingMembers('other')).toBe(false);
    latest().emit('open', 'me');
    expect(client.awaitingMembers('s1')).toBe(true); // joined, no answer yet
    latest().socket.emit('message', { type: 'SWARM-PEERS', payload: { swarm: 's1', peers: [] } });
    expect(client.awaitingMembers('s1')).toBe(false);
    latest().emit('disconnected', 'me');
    expect(client.awaitingMembers('s1')).toBe(false); // nothing will come until reconnected
  });

  it('stops for good when the server refuses the key', async () => {
    latest().emit('error', Object.assign(new Error('API KEY "site" is invalid'), { type: 'invalid-key' }));
    expect(codes()).toEqual(['signal-key-refused']);
    expect(reported()[0]?.message).toContain('data-key');
    expect(client.status).toBe('stopped');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(peers).toHaveLength(1);
  });

  it('starts over with a new Peer, backing off, when it never reached the server', async () => {
    latest().emit(
      'error',
      Object.assign(new Error('Could not get an ID from the server.'), { type: 'server-error' }),
    );
    latest().destroy();
    expect(codes()).toEqual(['signal-unreachable']);
    await vi.advanceTimersByTimeAsync(1300);
    expect(peers).toHaveLength(2);
    latest().destroy();
    await vi.advanceTimersByTimeAsync(1500);
    expect(peers).toHaveLength(2); // the second wait is about twice as long
    await vi.advanceTimersByTimeAsync(1100);
    expect(peers).toHaveLength(3);
  });

  it('hands a peer the server could not reach to the pool', () => {
    latest().emit(
      'error',
      Object.assign(new Error('Could not connect to peer abc-123'), { type: 'peer-unavailable' }),
    );
    expect(events.unreachable).toHaveBeenCalledWith('abc-123');
  });
});
