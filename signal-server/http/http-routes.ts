// The HTTP side as a pure function of the request: the PeerJS routes the client calls (info, id, peers),
// /healthz and /metrics, with CORS. The transport copies what it needs from the request and writes the reply.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Registry } from 'prom-client';
import { version } from '../../package.json';
import type { AdmissionPolicy } from '../access/admission';
import type { SignalServerConfig } from '../config';
import type { SignalStats } from '../signaling-ports';
import type { EngineKind } from './engine-api';

export interface HttpRequestInfo {
  /** Lowercase. */
  method: string;
  /** Path without query. */
  url: string;
  origin: string;
  /** Access-Control-Request-Headers of a preflight. */
  requestHeaders: string;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpRoutesContext {
  config: SignalServerConfig;
  engine: EngineKind;
  /** Site keys and the origin allow-list, shared with the WebSocket handshake. */
  admission: Pick<AdmissionPolicy, 'keys' | 'origins'>;
  status(): 'ok' | 'draining';
  stats(): SignalStats;
  isConnected(id: string): boolean;
  peerIds(): Iterable<string>;
  metrics: Registry;
  startedAt: number;
  /** Cluster mode: this process's id, pub/sub kind, and whether Redis answers (reported, never a 503). */
  cluster?: () => { node: string; pubsub: string; redis: 'up' | 'down' };
}

export type HttpRoutes = (request: HttpRequestInfo) => HttpReply | Promise<HttpReply>;

export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`;
}

export function createHttpRoutes(context: HttpRoutesContext): HttpRoutes {
  const { config, engine } = context;
  const { keys, origins } = context.admission;
  const info = JSON.stringify({
    name: 'PeerJS Server',
    description: 'A server side element to broker connections between PeerJS clients.',
    website: 'https://peerjs.com/',
    server: 'peerlane-signal',
    version,
    engine,
    swarms: true,
  });
  const infoPaths = new Set([config.path, config.path.length > 1 ? config.path.slice(0, -1) : config.path]);

  const newId = (): string => {
    let id = randomUUID();
    while (context.isConnected(id)) id = randomUUID();
    return id;
  };

  const get = (url: string): HttpReply | Promise<HttpReply> => {
    if (url === '/healthz') {
      const status = context.status();
      const { connections, peers, swarms } = context.stats();
      const uptimeSeconds = Math.round((Date.now() - context.startedAt) / 1000);
      const cluster = context.cluster?.();
      const body = { status, engine, connections, peers, swarms, uptimeSeconds, ...(cluster && { cluster }) };
      return json(status === 'ok' ? 200 : 503, body);
    }
    if (url === '/metrics') {
      return context.metrics
        .metrics()
        .then((body) => ({ status: 200, headers: { 'Content-Type': context.metrics.contentType }, body }));
    }
    if (infoPaths.has(url))
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: info };
    if (url.startsWith(config.path)) {
      const [key, action, ...rest] = url.slice(config.path.length).split('/');
      // Like the reference server, /id answers for any key: the WebSocket reports a wrong key clearly.
      if (action === 'id' && rest.length === 0) return text(200, newId());
      if (action === 'peers' && rest.length === 0) {
        if (!config.allowDiscovery || key === undefined || !keys.has(key)) return text(401, 'Unauthorized');
        return json(200, [...context.peerIds()]);
      }
    }
    return json(404, { error: `No route for GET ${url}`, peerjsPath: config.path });
  };

  return ({ method, url, origin, requestHeaders }) => {
    // Reflects the caller, as the reference server's cors({ origin: true }), unless --allowed-origins
    // leaves it out: then the browser keeps the answer from the page, as the WebSocket refuses it.
    const cors: Record<string, string> = { Vary: 'Origin' };
    if (!origins) cors['Access-Control-Allow-Origin'] = origin || '*';
    else if (origin && origins(origin)) cors['Access-Control-Allow-Origin'] = origin;
    if (method === 'options') {
      return {
        status: 204,
        headers: {
          ...cors,
          'Access-Control-Allow-Methods': 'GET, OPTIONS',
          'Access-Control-Allow-Headers': requestHeaders,
          'Access-Control-Max-Age': '600',
        },
        body: '',
      };
    }
    if (method !== 'get') return { status: 405, headers: { ...cors, Allow: 'GET, OPTIONS' }, body: '' };
    const reply = get(url);
    const withCors = (done: HttpReply) => ({ ...done, headers: { ...cors, ...done.headers } });
    return reply instanceof Promise ? reply.then(withCors) : withCors(reply);
  };
}

function json(status: number, body: unknown): HttpReply {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

function text(status: number, body: string): HttpReply {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body };
}
