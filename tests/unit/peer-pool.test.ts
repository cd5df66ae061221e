// The bounded pool of peer connections: who is dialed and when, what is accepted, one connection per peer, bans.
import type { DataConnection } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeerPool, type PoolEvents } from '../../sw/agent/peer-pool';
import { FakeDataConnection } from './fake-data-connection';

let selfId: string;
let dialed: FakeDataConnection[];
let events: { [Name in keyof PoolEvents]: ReturnType<typeof vi.fn> };
let pool: PeerPool;

function makePool(maxPeers: number): PeerPool {
  return new PeerPool(
    {
      maxPeers,
      uploadCap: Number.POSITIVE_INFINITY,
      maxUploads: 3,
      peerRequestsPerSec: 20,
      connectTimeoutMs: 10_000,
    },
    {
      selfId: () => selfId,
      dial: (peerId) => {
        const connection = new FakeDataConnection(peerId);
        dialed.push(connection);
        return connection as unknown as DataConnection;
      },
      readSegment: async () => undefined,
      now: () => Date.now(),
      events: events as unknown as PoolEvents,
    },
  );
}

function incoming(peerId: string, extra: Partial<FakeDataConnection> = {}): FakeDataConnection {
  const connection = Object.assign(new FakeDataConnection(peerId), extra);
  pool.accept(connection as unknown as DataConnection);
  return connection;
}

beforeEach(() => {
  vi.useFakeTimers();
  selfId = 'm';
  dialed = [];
  events = {
    opened: vi.fn(),
    closed: vi.fn(),
    announced: vi.fn(),
    uploaded: vi.fn(),
    fetching: vi.fn(),
    misbehaved: vi.fn(),
  };
  pool = makePool(2);
});

afterEach(() => {
  pool.destroy();
  vi.useRealTimers();
});

describe('PeerPool', () => {
  it('dials members it joined after right away, up to maxPeers, never itself', () => {
    pool.addMembers(['m', 'a', 'b', 'c'], false);
    expect(dialed.map((connection) => connection.peer)).toEqual(['a', 'b']);
  });

  it('gives newcomers time to dial first, then dials them if they did not', async () => {
    pool.addMembers(['n1', 'n2'], true);
    expect(dialed).toEqual([]);
    incoming('n1');
    await vi.advanceTimersByTimeAsync(3000);
    expect(dialed.map((connection) => connection.peer)).toEqual(['n2']);
  });

  it('dials the next candidate when a connection closes', () => {
    pool.addMembers(['a', 'b', 'c'], false);
    const first = dialed[0] as FakeDataConnection;
    first.openNow();
    expect(events.opened).toHaveBeenCalledOnce();
    first.close();
    expect(events.closed).toHaveBeenCalledWith('a', 'closed by the peer', true);
    expect(dialed.map((connection) => connection.peer)).toEqual(['a', 'b', 'c']);
  });

  it('refuses connections that do not speak the protocol, or beyond maxPeers', () => {
    const foreign = incoming('x', { label: 'chat' });
    expect(foreign.dataChannel.readyState).toBe('closed');
    incoming('a');
    incoming('b');
    const third = incoming('c');
    expect(third.dataChannel.readyState).toBe('closed');
  });

  it.each([
    { self: 'a', other: 'b', survivor: 'ours' },
    { self: 'z', other: 'y', survivor: 'theirs' },
  ])(
    'keeps exactly one connection when both sides dial: the one dialed by the smaller id ($self, $other)',
    ({ self, other, survivor }) => {
      selfId = self;
      pool.addMembers([other], false);
      const ours = dialed[0] as FakeDataConnection;
      const theirs = incoming(other);
      const kept = survivor === 'ours' ? ours : theirs;
      const dropped = survivor === 'ours' ? theirs : ours;
      expect(kept.dataChannel.readyState).toBe('open');
      expect(dropped.dataChannel.readyState).toBe('closed');
      expect(events.closed).not.toHaveBeenCalled();
    },
  );

  it('bans a peer for the session: disconnected, not dialed, not accepted', () => {
    pool.addMembers(['bad'], false);
    pool.ban('bad', 'sent garbage');
    expect(events.misbehaved).toHaveBeenCalledWith('bad', 'sent garbage');
    expect(dialed[0]?.dataChannel.readyState).toBe('closed');
    pool.addMembers(['bad'], false);
    expect(dialed).toHaveLength(1);
    expect(incoming('bad').dataChannel.readyState).toBe('closed');
  });

  it('drops a connection that does not open in time', async () => {
    pool.addMembers(['slow'], false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(dialed[0]?.dataChannel.readyState).toBe('closed');
    expect(events.closed).toHaveBeenCalledWith('slow', 'did not connect in time', false);
  });
});
