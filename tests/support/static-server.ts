// A tiny HTTP server for browser tests: serves one directory plus fixed extra routes on a free localhost port.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** A fixed response (body + content type) or a handler for dynamic ones. */
export type StaticRoute =
  | { body: string | Uint8Array; type: string }
  | ((request: IncomingMessage, response: ServerResponse) => void);

export interface StaticServerOptions {
  /** Directory served for paths without a route. Default: none (only routes). */
  root?: string;
  /** Exact paths (`/`, `/page.html`) answered before the directory. Default: none. */
  routes?: Record<string, StaticRoute>;
}

export interface StaticServer {
  port: number;
  /** `http://localhost:<port>` — a secure context, so service workers and WebRTC work. */
  origin: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
};

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const route = options.routes?.[path];
    if (typeof route === 'function') return route(request, response);
    if (route) {
      response.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' });
      response.end(route.body);
      return;
    }
    void serveFile(options.root, path, response);
  });
  // Browser tests open many short connections; keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serveFile(root: string | undefined, path: string, response: ServerResponse): Promise<void> {
  // normalize() resolves `..`; anything still escaping the root is refused.
  const file = root === undefined ? undefined : normalize(join(root, safeDecode(path)));
  const stats = file?.startsWith(normalize(root + sep)) ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !stats?.isFile()) {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end(`not found: ${path}`);
    return;
  }
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': stats.size,
    'cache-control': 'no-store',
  });
  createReadStream(file).pipe(response);
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
