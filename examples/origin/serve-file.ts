// Answers a GET/HEAD with a file: content type, validators (ETag, 304), byte ranges (206, 416) and CORS.
// The body goes out through a Delivery: straight for pages, shaped by the CDN model for media.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Delivery, directDelivery } from './cdn-shaper';
import { contentTypeOf } from './content-type';
import { parseRange } from './parse-range';

export interface FileResponse {
  file: string;
  cacheControl: string;
  /** Whether any origin may read it (media, for the cross-origin CDN and players on other sites). */
  cors: boolean;
  /** Sent with every answer for it (`Peerlane-Hashes`). */
  headers?: OutgoingHttpHeaders;
}

/** Lets a page on another origin read media, send Range, and see the headers a range answer depends on. */
export const CORS_HEADERS: OutgoingHttpHeaders = {
  'access-control-allow-origin': '*',
  // Peerlane-Hashes: the worker reads it to find the origin's hash sidecar.
  'access-control-expose-headers': 'content-length, content-range, accept-ranges, etag, peerlane-hashes',
  // Resource Timing details (durations, sizes) for cross-origin media too: the latency bench reads them.
  'timing-allow-origin': '*',
};

export async function serveFile(
  request: IncomingMessage,
  response: ServerResponse,
  target: FileResponse,
  delivery: Delivery = directDelivery(response),
) {
  const [stats, open] = await Promise.all([stat(target.file).catch(() => null), delivery.firstByte()]);
  if (!open) return;
  const type = contentTypeOf(target.file);
  if (stats?.isDirectory()) {
    const url = new URL(request.url ?? '/', 'http://origin');
    response.writeHead(301, { location: `${url.pathname}/${url.search}` }).end();
    return;
  }
  if (!stats?.isFile() || !type) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }

  const size = stats.size;
  const etag = `"${size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const headers: OutgoingHttpHeaders = {
    'content-type': type,
    'cache-control': target.cacheControl,
    etag,
    'last-modified': stats.mtime.toUTCString(),
    'accept-ranges': 'bytes',
    ...(target.cors ? CORS_HEADERS : {}),
    ...target.headers,
  };
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers).end();
    return;
  }
  // If-Range: a range of a representation the client no longer has is useless; send the whole file instead.
  const ifRange = request.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, size) : null;
  if (range === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  response.writeHead(range ? 206 : 200, {
    ...headers,
    'content-length': end - start + 1,
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  await delivery.send(createReadStream(target.file, { start, end }));
}
