// The local test origin: a site (example pages, Peerlane scripts, player libraries, media) and optionally a
// cross-origin "CDN" serving the same media, both plain Node HTTP servers. Used by the demo, tests and benches.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type OriginConfig, type OriginOptions, resolveOriginConfig } from './origin-config';
import { OriginError } from './origin-error';
import { resolveRoute, type Surface } from './resolve-route';
import { CORS_HEADERS, serveFile } from './serve-file';

export interface RunningOrigin {
  config: OriginConfig;
  port: number;
  /** `http://localhost:<port>`: open pages here. */
  url: string;
  /** The CDN's port and `http://localhost:<port>`, or null when it is not running. */
  cdnPort: number | null;
  cdnUrl: string | null;
  close(): Promise<void>;
}

/** What pages read from `/config.json`: where the signal server and the media are. */
export interface PageConfig {
  signal: string | null;
  /** Base URL of the media on this site, and on the cross-origin CDN (null when none runs). */
  media: string;
  cdnMedia: string | null;
}

export async function startOrigin(options: OriginOptions = {}): Promise<RunningOrigin> {
  const config = resolveOriginConfig(options);
  if (!existsSync(join(config.mediaDir, 'media.json')))
    throw new OriginError('media-missing', config.mediaDir);

  let pageConfig: PageConfig | null = null;
  const site = createServer(handler(config, 'site', () => pageConfig));
  const cdn = config.cdnPort === null ? null : createServer(handler(config, 'cdn', () => null));
  const servers = [site, ...(cdn ? [cdn] : [])];
  const close = () => Promise.all(servers.map(closeServer)).then(() => undefined);
  try {
    const port = await listen(site, config.port, config.host);
    const cdnPort = cdn ? await listen(cdn, config.cdnPort ?? 0, config.host) : null;
    const url = `http://localhost:${port}`;
    const cdnUrl = cdnPort === null ? null : `http://localhost:${cdnPort}`;
    pageConfig = { signal: config.signal, media: '/media/', cdnMedia: cdnUrl && `${cdnUrl}/media/` };
    return { config, port, url, cdnPort, cdnUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function handler(config: OriginConfig, surface: Surface, pageConfig: () => PageConfig | null) {
  return (request: IncomingMessage, response: ServerResponse) => {
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
    const route = resolveRoute(new URL(request.url ?? '/', 'http://origin').pathname, config, surface);
    switch (route.kind) {
      case 'file':
        void serveFile(request, response, route);
        return;
      case 'config':
        response.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          ...CORS_HEADERS,
        });
        response.end(JSON.stringify(pageConfig()));
        return;
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
