// Viewers split across signal processes in cluster mode (one Redis), each behind a TCP balancer that stands in
// for the Kubernetes Service. A process is killed (-9), then another drained (SIGTERM): every page agent
// reconnects on its own through its balancer, newcomers still find peers, and every viewer plays to the end
// without a stall, the bytes intact.
import { once } from 'node:events';
import { createServer, type Server, connect as tcpConnect } from 'node:net';
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningOrigin, startOrigin } from '../../examples/origin/start-origin';
import { launchChromium } from '../support/browser';
import { segmentMismatches } from '../support/segment-check';
import type { SignalProcess } from '../support/signal-process';
import { ensureMedia, mediaSegments } from '../support/stack';
import { openViewer, type Viewer } from '../support/viewer';
import { metric, type RedisProcess, startClusterProcess, startRedis } from '../unit/signal-cluster-support';

const LEVEL = 1;
const RENDITION = '360p';
/** Short buffers keep the players fetching (from peers) while the signal processes fail and drain. */
const BUFFER_SECONDS = 8;
const CLUSTER_ARGS = [
  '--cluster-ttl-ms',
  '3000',
  '--cluster-refresh-ms',
  '1000',
  '--drain-spread-ms',
  '2000',
];

/** A TCP balancer: each connection goes to the first backend that accepts it, as a Service to ready pods. */
interface Balancer {
  port: number;
  backends: number[];
  close(): Promise<void>;
}

async function startBalancer(backends: number[]): Promise<Balancer> {
  const balancer: Balancer = { port: 0, backends, close: async () => {} };
  const server: Server = createServer((client) => {
    client.on('error', () => client.destroy());
    const attempt = (index: number) => {
      const backend = balancer.backends[index];
      if (backend === undefined) return client.destroy();
      const upstream = tcpConnect(backend, '127.0.0.1');
      let connected = false;
      upstream.once('error', () => (connected ? client.destroy() : attempt(index + 1)));
      upstream.once('connect', () => {
        connected = true;
        upstream.on('error', () => client.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
      });
    };
    attempt(0);
  });
  server.listen(0);
  await once(server, 'listening');
  balancer.port = (server.address() as { port: number }).port;
  balancer.close = () => new Promise((resolve) => server.close(() => resolve()));
  return balancer;
}

let redis: RedisProcess;
const signals: SignalProcess[] = [];
const balancers: Balancer[] = [];
let origin: RunningOrigin;
let browser: Browser;
const viewers: Viewer[] = [];

beforeAll(async () => {
  await ensureMedia();
  redis = await startRedis();
  signals.push(...(await Promise.all([0, 1].map(() => startClusterProcess(redis.url, CLUSTER_ARGS)))));
  const [a, b] = signals as [SignalProcess, SignalProcess];
  balancers.push(await startBalancer([a.port, b.port]), await startBalancer([b.port, a.port]));
  [origin, browser] = await Promise.all([startOrigin({ port: 0, cdnPort: 0 }), launchChromium()]);
});

afterAll(async () => {
  await Promise.all(viewers.map((viewer) => viewer.close()));
  await browser?.close();
  await origin?.close();
  await Promise.all(balancers.map((balancer) => balancer.close()));
  await Promise.all(signals.map((signal) => signal.stop('SIGKILL')));
  await redis?.stop();
});

async function watch(name: string, balancer: Balancer): Promise<Viewer> {
  const query = new URLSearchParams({
    level: String(LEVEL),
    buffer: String(BUFFER_SECONDS),
    signal: `ws://localhost:${balancer.port}/`,
  });
  const viewer = await openViewer(browser, `${origin.url}/hls.js/?${query}`, { name });
  viewers.push(viewer);
  return viewer;
}

const peersOn = (signal: SignalProcess) => metric(signal.port, 'peerlane_signal_peers');

it('keeps every viewer playing through a killed signal process and a drained one', async () => {
  const [a, b] = signals as [SignalProcess, SignalProcess];
  const [viaA, viaB] = balancers as [Balancer, Balancer];
  const segments = mediaSegments(origin.config.mediaDir, RENDITION);

  const first = await watch('viewer 1 (A)', viaA);
  await first.waitFor(
    'playing with segments in hand',
    (probe) => probe.firstPlayAt !== null && probe.segments.length >= 3,
  );
  const second = await watch('viewer 2 (B)', viaB);
  // Viewer 2 found viewer 1 across processes (B → Redis → A) and gets segments from it.
  await second.waitFor(
    'playing, partly from its peer',
    (probe) => probe.firstPlayAt !== null && (probe.stats?.p2pBytes ?? 0) > 0,
  );
  expect([await peersOn(a), await peersOn(b)]).toEqual([1, 1]);

  // 1. kill -9 the process viewer 1 is on: its agent reconnects through its balancer to B, same id.
  const killedAt = Date.now();
  a.child.kill('SIGKILL');
  await a.exited;
  await expect.poll(() => peersOn(b), { timeout: 15_000, interval: 200 }).toBe(2);
  const reconnectSeconds = (Date.now() - killedAt) / 1000;
  expect(reconnectSeconds, 'the agent backs off about a second before reconnecting').toBeLessThan(10);
  const third = await watch('viewer 3 (after the crash)', viaA);
  await third.waitFor(
    'playing, partly from peers found on B',
    (probe) => probe.firstPlayAt !== null && (probe.stats?.p2pBytes ?? 0) > 0,
  );

  // 2. Drain B as Kubernetes does: endpoints first (the balancers now send to C), then SIGTERM.
  const c = await startClusterProcess(redis.url, CLUSTER_ARGS);
  signals.push(c);
  for (const balancer of balancers) balancer.backends = [c.port];
  const drainedAt = Date.now();
  b.child.kill('SIGTERM');
  expect(await b.exited).toEqual({ code: 0, signal: null });
  const drainSeconds = (Date.now() - drainedAt) / 1000;
  expect(drainSeconds, 'gone once its viewers are: within shutdownTimeoutMs (5 s) + 1 s').toBeLessThan(6);
  await expect.poll(() => peersOn(c), { timeout: 15_000, interval: 200 }).toBe(3);
  console.log(
    `reconnected after kill -9 within ${reconnectSeconds.toFixed(1)} s; drained B exited after ` +
      `${drainSeconds.toFixed(1)} s, all viewers on C ${((Date.now() - drainedAt) / 1000).toFixed(1)} s after SIGTERM`,
  );

  const ends = await Promise.all(
    viewers.map((viewer) =>
      viewer.waitFor('played to the end', (probe) => probe.ended && probe.pendingDigests === 0, 120_000),
    ),
  );
  const diagnostics = viewers.flatMap((viewer) => viewer.log()).join('\n');
  viewers.forEach((viewer, n) => {
    const end = ends[n];
    expect(viewer.problems(), `${viewer.name}: errors\n${diagnostics}`).toEqual([]);
    expect(end?.mediaErrors, `${viewer.name}: media errors`).toEqual([]);
    expect(end?.stalls, `${viewer.name}: stalls after playback started\n${diagnostics}`).toBe(0);
    expect(segmentMismatches(end?.segments ?? [], segments), `${viewer.name}: wrong bytes`).toEqual([]);
  });
});
