// The local test origin: a site (example pages, Peerlane scripts, player libraries, media: VoD and a looped
// live stream) and optionally a cross-origin "CDN" serving the same media, both plain Node HTTP servers, with
// media shaped by the constrained-CDN model when it is configured. Used by the demo, tests and benches.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HASHES_HEADER } from '../../protocol/hash-sidecar-format';
import { CdnShaper, directDelivery } from './cdn-shaper';
import { type HashSidecars, publishHashSidecars, servedHashSidecars } from './hash-sidecars';
import { type LiveStream, openLiveStream } from './live-stream';
import { type OriginConfig, type OriginOptions, resolveOriginConfig } from './origin-config';
import { OriginError } from './origin-error';
import { servePlainPage, wantsPlainPage } from './plain-page';
import { resolveRoute, type Surface } from './resolve-route';
import { CORS_HEADERS, serveFile } from './serve-file';
import { serveLive } from './serve-live';
import { ServiceRequests } from './service-requests';
import type { TrafficSnapshot } from './traffic-meter';

export interface RunningOrigin {
  config: OriginConfig;
  port: number;
  /** `http://<host>:<port>` (localhost when bound to all interfaces): open pages here. */
  url: string;
  /** The CDN's port and `http://localhost:<port>`, or null when it is not running. */
  cdnPort: number | null;
  cdnUrl: string | null;
  /** Date.now() when the live clock started (sequence numbers count from `live.windowSegments` before it). */
  startedAt: number;
  /** Media bytes written so far, per viewer and in total (both servers). Also at `GET /traffic.json`. */
  traffic(): TrafficSnapshot;
  /** Requests of the signal server's hash service (both servers), per `<path>[ <Range>]`. */
  hashServiceRequests(): Record<string, number>;
  close(): Promise<void>;
}

/** What every request handler shares. */
interface OriginContext {
  config: OriginConfig;
  live: LiveStream;
  shaper: CdnShaper;
  serviceRequests: ServiceRequests;
  /** null when `publishHashes` is off. */
  hashes: HashSidecars | null;
  pageConfig: () => PageConfig | null;
}

/** What pages read from `/config.json`: where the signal server and the media are. */
export interface PageConfig {
  signal: string | null;
  /** STUN/TURN servers for `Peerlane.start({ iceServers })`. */
  iceServers: OriginConfig['iceServers'];
  /** Base URL of the media on this site, and on the cross-origin CDN (null when none runs). */
  media: string;
  cdnMedia: string | null;
}

export async function startOrigin(options: OriginOptions = {}): Promise<RunningOrigin> {
  const config = resolveOriginConfig(options);
  if (!existsSync(join(config.mediaDir, 'media.json')))
    throw new OriginError('media-missing', config.mediaDir);

  const startedAt = Date.now();
  const live = openLiveStream(join(config.mediaDir, 'hls'), config.live, startedAt);
  const shaper = new CdnShaper(config.cdn);
  const hashes =
    config.publishHashes === 'files'
      ? servedHashSidecars(config.mediaDir)
      : config.publishHashes
        ? publishHashSidecars(config.mediaDir, live)
        : null;
  let pageConfig: PageConfig | null = null;
  const serviceRequests = new ServiceRequests();
  const context = { config, live, shaper, serviceRequests, hashes };
  const site = createServer(handler({ ...context, pageConfig: () => pageConfig }, 'site'));
  const cdn =
    config.cdnPort === null ? null : createServer(handler({ ...context, pageConfig: () => null }, 'cdn'));
  const servers = [site, ...(cdn ? [cdn] : [])];
  const close = () => Promise.all(servers.map(closeServer)).then(() => undefined);
  try {
    const port = await listen(site, config.port, config.host);
    const cdnPort = cdn ? await listen(cdn, config.cdnPort ?? 0, config.host) : null;
    const host = urlHost(config.host);
    const url = `http://${host}:${port}`;
    const cdnUrl = cdnPort === null ? null : `http://${host}:${cdnPort}`;
    const { signal, iceServers } = config;
    pageConfig = { signal, iceServers, media: '/media/', cdnMedia: cdnUrl && `${cdnUrl}/media/` };
    const traffic = () => shaper.meter.snapshot();
    const hashServiceRequests = () => serviceRequests.snapshot();
    return { config, port, url, cdnPort, cdnUrl, startedAt, traffic, hashServiceRequests, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function handler(context: OriginContext, surface: Surface) {
  const { config, shaper } = context;
  return (request: IncomingMessage, response: ServerResponse) => {
    context.serviceRequests.record(request);
    if (config.log) {
      response.once('finish', () =>
        console.log(`${surface} ${response.statusCode} ${request.method} ${request.url}`),
      );
    }
    if (request.method === 'OPTIONS') {
      // CORS preflight (a Range with several ranges, or custom headers): allow reading media from anywhere.
      response.writeHead(204, {
        ...CORS_HEADERS,
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': request.headers['access-control-request-headers'] ?? 'range',
        'access-control-max-age': '600',
      });
      response.end();
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://origin');
    const route = resolveRoute(url.pathname, config, surface);
    switch (route.kind) {
      case 'file': {
        if (!route.media && wantsPlainPage(url, route.file)) {
          void servePlainPage(request, response, route.file, route.cacheControl);
          return;
        }
        const delivery = route.media
          ? shaper.delivery(request, response, route.media)
          : directDelivery(response);
        const sidecar = route.media && context.hashes?.headerFor(route.file);
        const headers = sidecar ? { [HASHES_HEADER]: sidecar } : undefined;
        void serveFile(request, response, { ...route, headers }, delivery);
        return;
      }
      case 'hashes': {
        const { hashes } = context;
        const body = route.dir === 'live' ? hashes?.liveSidecar(Date.now()) : hashes?.sidecar(route.dir);
        if (body === undefined) {
          response
            .writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...CORS_HEADERS })
            .end('no hash sidecar here\n');
          return;
        }
        return sendJson(response, body);
      }
      case 'live':
        void serveLive(request, response, route, context);
        return;
      case 'config':
        return sendJson(response, context.pageConfig());
      case 'traffic':
        return sendJson(response, shaper.meter.snapshot());
      case 'redirect':
        response.writeHead(302, { location: route.location }).end();
        return;
      case 'not-found':
        response
          .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`not found: ${route.hint}\n`);
        return;
    }
  };
}

/** `value` as JSON (a string is sent as the JSON it already is). */
function sendJson(response: ServerResponse, value: unknown): void {
  response.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...CORS_HEADERS,
  });
  response.end(typeof value === 'string' ? value : JSON.stringify(value));
}

/** The host part of the origin's URLs: its bound address, or localhost when it listens on all interfaces. */
function urlHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  // Players and tests open many short connections; idle keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 2_000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new OriginError('port-in-use', String(port))
          : new OriginError('listen-failed', error.message),
      );
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
