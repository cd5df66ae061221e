// What the cluster tests (and the cluster benchmark) run against: a private redis-server on a free port, with
// nothing persisted, and signal server processes in cluster mode on it. Everything is stopped by its owner.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { type SignalProcess, startSignalProcess } from '../support/signal-process';
import type { ServerMessage, TestClient } from './signal-test-client';

export interface RedisProcess {
  port: number;
  pid: number;
  url: string;
  /** A client for inspecting what the servers wrote (closed by stop()). */
  client: Redis;
  /** SIGTERM, then SIGKILL after 5 s; resolves once exited. */
  stop(): Promise<void>;
}

export const REDIS_MISSING =
  'redis-server is not installed: the cluster tests need it (Debian/Ubuntu: apt-get install -y redis-server)';

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts redis-server on a free port (or `port`) without persistence; fails clearly when it is missing. */
export async function startRedis(port?: number): Promise<RedisProcess> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error(REDIS_MISSING);
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail('not ready within 10 s'), 10_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${chosen}: ${why}\n${output}`));
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => fail(`exited with code ${code}`));
  });
  const url = `redis://127.0.0.1:${chosen}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return {
    port: chosen,
    pid: child.pid as number,
    url,
    client,
    stop: async () => {
      client.disconnect();
      await stopChild(child, exited);
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A signal server process in cluster mode on `redisUrl`, with any extra flags. */
export function startClusterProcess(redisUrl: string, args: string[] = []): Promise<SignalProcess> {
  return startSignalProcess({ args: ['--port', '0', '--host', '127.0.0.1', '--redis', redisUrl, ...args] });
}

/** /healthz of a server, with its HTTP status. */
export async function health(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** One series of /metrics: `name` with exactly these labels (e.g. '{result="claimed"}'); 0 when absent. */
export async function metric(port: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const prefix = `${name}${labels} `;
  const line = text.split('\n').find((row) => row.startsWith(prefix));
  return line ? Number(line.slice(prefix.length)) : 0;
}

/** The next message of `type`, past news of swarm newcomers (SWARM-JOINED comes whenever someone joins). */
export async function expectPastNews(client: TestClient, type: string): Promise<ServerMessage> {
  for (;;) {
    const message = await client.next();
    if (message.type === type) return message;
    if (message.type !== 'SWARM-JOINED') throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
  }
}
