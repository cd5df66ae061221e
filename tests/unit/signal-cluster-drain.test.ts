// Graceful drain (SIGTERM): peers are told RECONNECT with spread-out delays and closed 1001 then, /healthz says
// 503 draining, new connections are turned away, and the process exits within its bound; in cluster mode the
// peers land on the other process with their id, token and swarms.
import { describe, expect, it } from 'vitest';
import { isReconnectMessage } from '../../protocol/signaling/reconnect-message';
import { resolveConfig } from '../../signal-server/config';
import type { PeerSession } from '../../signal-server/peerjs/peer-session';
import { Signaling } from '../../signal-server/signaling';
import type { Transport } from '../../signal-server/signaling-ports';
import { startSignalProcess } from '../support/signal-process';
import { expectPastNews, health, startClusterProcess, startRedis } from './signal-cluster-support';
import { TestClient } from './signal-test-client';

interface FakeSocket {
  session: PeerSession<FakeSocket>;
  sent: string[];
  closedWith: { code: number; reason: string } | null;
}

describe('drain, without sockets', () => {
  it('spreads RECONNECT delays over drainSpreadMs, closes each peer when its delay is up, turns newcomers away', async () => {
    let now = 0;
    const transport: Transport<FakeSocket> = {
      send: (socket, text) => {
        socket.sent.push(text);
        return 'sent';
      },
      bufferedAmount: () => 0,
      close: (socket, code, reason) => {
        socket.closedWith = { code, reason };
        signaling.closed(socket.session);
      },
    };
    const signaling = new Signaling<FakeSocket>(resolveConfig({ drainSpreadMs: 1_000 }), {
      transport,
      now: () => now,
    });
    const connect = (id: string) => {
      const session = signaling.handshake({
        key: 'peerjs',
        id,
        token: 'token-t1',
        version: '1.5.5',
        origin: '',
        ip: '10.0.0.1',
      });
      const socket: FakeSocket = { session, sent: [], closedWith: null };
      signaling.open(session, socket);
      return socket;
    };
    const peers = Array.from({ length: 20 }, (_, n) => connect(`p${n}`));
    let gone = false;
    const drained = signaling.drain(1_000).then(() => {
      gone = true;
    });
    const delays = peers.map((peer) => {
      const message = JSON.parse(peer.sent.at(-1) as string);
      expect(isReconnectMessage(message)).toBe(true);
      return message.payload.afterMs as number;
    });
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(1_000);
    expect(new Set(delays).size, 'delays are spread, not one moment').toBeGreaterThan(10);

    const late = connect('late');
    expect(JSON.parse(late.sent[0] as string).type).toBe('RECONNECT');
    expect(late.closedWith).toEqual({ code: 1001, reason: 'draining' });

    for (let step = 0; step <= 1_000; step += 50) {
      now = step;
      signaling.closeDrained();
      peers.forEach((peer, n) => {
        const due = (delays[n] as number) <= now;
        expect(peer.closedWith, `p${n} at ${now} ms (delay ${delays[n]})`).toEqual(
          due ? { code: 1001, reason: 'going-away' } : null,
        );
      });
    }
    expect(signaling.closeDrained()).toBeNull();
    await drained;
    expect(gone).toBe(true);
  });
});

describe('drain on SIGTERM, as a process', () => {
  it('single process: RECONNECT, 503 draining while peers remain, 1001 for each, exit 0 within the bound', async () => {
    const server = await startSignalProcess({
      args: [
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--drain-spread-ms',
        '3000',
        '--shutdown-timeout-ms',
        '5000',
      ],
    });
    try {
      // Three peers with delays spread over 3 s: one is still connected when /healthz is asked.
      const peers = await Promise.all(['d1', 'd2', 'd3'].map((id) => TestClient.open(server.port, id)));
      const started = Date.now();
      server.child.kill('SIGTERM');
      for (const peer of peers) expect((await peer.expect('RECONNECT')).payload.afterMs).toBeLessThan(3_000);
      expect(await health(server.port)).toMatchObject({
        status: 503,
        body: { status: 'draining', connections: expect.any(Number) },
      });
      for (const peer of peers) expect(await peer.closed).toEqual({ code: 1001, reason: 'going-away' });
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('cluster: peers move to the other process with id, token and swarms; newcomers are turned away', async () => {
    const redis = await startRedis();
    const args = ['--drain-spread-ms', '1000', '--shutdown-timeout-ms', '4000'];
    const [leaving, staying] = await Promise.all([
      startClusterProcess(redis.url, args),
      startClusterProcess(redis.url, args),
    ]);
    const clients: TestClient[] = [];
    try {
      const ids = ['m1', 'm2', 'm3'];
      const moving = await Promise.all(
        ids.map((id) => TestClient.open(leaving.port, id, { token: `token-of-${id}` })),
      );
      clients.push(...moving);
      for (const peer of moving) {
        peer.send({ type: 'SWARM-JOIN', payload: { swarm: 'drain' } });
        await expectPastNews(peer, 'SWARM-PEERS');
      }
      const started = Date.now();
      leaving.child.kill('SIGTERM');
      const reconnects = await Promise.all(moving.map((peer) => expectPastNews(peer, 'RECONNECT')));
      expect(await health(leaving.port)).toMatchObject({ status: 503, body: { status: 'draining' } });
      const newcomer = await TestClient.connect(leaving.port, 'newcomer');
      clients.push(newcomer);
      expect((await newcomer.next()).type).toBe('RECONNECT');
      expect(await newcomer.closed).toEqual({ code: 1001, reason: 'draining' });

      // Each peer reconnects when its socket closes, as the page agent does, and lands on the other process.
      const moved = await Promise.all(
        moving.map(async (peer, n) => {
          const closed = await peer.closed;
          const closedAfter = Date.now() - started;
          expect(closed).toEqual({ code: 1001, reason: 'going-away' });
          expect(closedAfter).toBeGreaterThanOrEqual((reconnects[n]?.payload.afterMs ?? 0) - 50);
          const client = await TestClient.open(staying.port, ids[n] as string, {
            token: `token-of-${ids[n]}`,
          });
          clients.push(client);
          client.send({ type: 'SWARM-JOIN', payload: { swarm: 'drain' } });
          return client;
        }),
      );
      expect(await leaving.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - started, 'exit within shutdownTimeoutMs').toBeLessThan(4_000 + 1_000);
      // The last to rejoin sees the two others, wherever they were when they joined.
      const answers = await Promise.all(moved.map((client) => expectPastNews(client, 'SWARM-PEERS')));
      const largest = Math.max(...answers.map((answer) => answer.payload.peers.length));
      expect(largest).toBe(2);
      expect(await redis.client.get('peerlane:{m1}:loc')).toMatch(/\ttoken-of-m1$/);
    } finally {
      for (const client of clients) client.socket.terminate();
      await Promise.all([leaving.stop('SIGKILL'), staying.stop()]);
      await redis.stop();
    }
  });
});
