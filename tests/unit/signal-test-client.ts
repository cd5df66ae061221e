// A raw WebSocket client for the signal server tests: connects like the peerjs client does, queues what
// the server sends, and lets a test await the next message or the close — events, never sleeps.
import { createRequire } from 'node:module';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import type { SignalServerConfig } from '../../signal-server/config';
import type { Engine } from '../../signal-server/http/engine-api';
import { createFallbackUws, type WsModule } from '../../signal-server/http/fallback-engine';
import { type SignalServer, startSignalServer } from '../../signal-server/server';

export interface ServerMessage {
  type: string;
  src?: string;
  dst?: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the server sent.
  payload?: any;
}

export interface Closed {
  code: number;
  reason: string;
}

const WAIT_MS = 10_000;

/** The ws-based engine, to run the same tests on it in-process (the CLI test covers real detection). */
export function fallbackEngine(): Engine {
  return { kind: 'fallback', uws: createFallbackUws(createRequire(import.meta.url)('ws') as WsModule) };
}

export function startTestServer(
  overrides: Partial<SignalServerConfig> = {},
  engine?: Engine,
): Promise<SignalServer> {
  // The embedded GeoIP databases take ~0.4 s of CPU to load: tests that need GeoIP pass their own.
  const base = {
    port: 0,
    host: '127.0.0.1',
    allowFallback: engine?.kind === 'fallback',
    geoipAsn: 'off',
    geoipCountry: 'off',
  };
  return startSignalServer({ ...base, ...overrides }, engine ? { engine } : {});
}

/**
 * One server per test plus the clients it opened, all closed after each test. Call in a describe body.
 * `engine` builds the engine to run on (default: uWebSockets.js as loaded).
 */
export function useSignalServer(engine?: () => Engine) {
  let current: SignalServer | undefined;
  const clients: TestClient[] = [];
  const server = (): SignalServer => {
    if (!current) throw new Error('call start() first');
    return current;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    await current?.close();
    current = undefined;
  });
  const track = (client: TestClient) => {
    clients.push(client);
    return client;
  };
  return {
    server,
    /** Starts a server with these overrides, replacing the one already running in this test. */
    async start(overrides: Partial<SignalServerConfig> = {}): Promise<SignalServer> {
      await current?.close();
      current = await startTestServer(overrides, engine?.());
      return current;
    },
    /** Opens and expects OPEN. */
    open: async (id: string, options?: ConnectOptions) =>
      track(await TestClient.open(server().port, id, options)),
    /** Opens without reading the first message (for refusals). */
    connect: async (id: string, options?: ConnectOptions) =>
      track(await TestClient.connect(server().port, id, options)),
    fetch: (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${server().port}${path}`, init),
  };
}

export interface ConnectOptions {
  key?: string;
  token?: string;
  path?: string;
  /** Extra query string, raw. */
  query?: string;
  /** Upgrade request headers (Origin, X-Forwarded-For): a browser sends Origin, ws sends none by default. */
  headers?: Record<string, string>;
}

export class TestClient {
  private readonly inbox: ServerMessage[] = [];
  private waiter: ((message: ServerMessage) => void) | null = null;
  readonly closed: Promise<Closed>;
  readonly socket: WebSocket;

  private constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers });
    this.socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      const waiter = this.waiter;
      this.waiter = null;
      if (waiter) waiter(message);
      else this.inbox.push(message);
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      this.socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Opens the WebSocket; the server's first message (OPEN or a refusal) is left in the queue. */
  static async connect(port: number, id: string, options: ConnectOptions = {}): Promise<TestClient> {
    const { key = 'peerjs', token = `token-of-${id}`, path = '/', query, headers } = options;
    const params =
      query ?? `key=${key}&id=${encodeURIComponent(id)}&token=${encodeURIComponent(token)}&version=1.5.5`;
    const client = new TestClient(`ws://127.0.0.1:${port}${path}peerjs?${params}`, headers);
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
    });
    return client;
  }

  /** Connects and expects OPEN, as the peerjs client does before anything else. */
  static async open(port: number, id: string, options: ConnectOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect(port, id, options);
    const first = await client.next();
    if (first.type !== 'OPEN') throw new Error(`expected OPEN for ${id}, got ${JSON.stringify(first)}`);
    return client;
  }

  next(timeoutMs = WAIT_MS): Promise<ServerMessage> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }

  /** Next message, which must be of `type`. */
  async expect(type: string): Promise<ServerMessage> {
    const message = await this.next();
    if (message.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
    return message;
  }

  /**
   * Proves nothing else arrived: the server answers messages in order, so if the reply to a probe (an
   * unknown type → ERROR) is the next message, nothing was pending before it.
   */
  async expectNothingPending(): Promise<void> {
    this.send({ type: 'PROBE' });
    const message = await this.next();
    if (message.type !== 'ERROR' || message.payload?.code !== 'unknown-type') {
      throw new Error(`expected nothing pending, got ${JSON.stringify(message)}`);
    }
  }

  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async close(): Promise<Closed> {
    this.socket.close();
    return this.closed;
  }
}
