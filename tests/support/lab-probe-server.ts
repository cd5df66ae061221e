// A tiny HTTP server for the lab's tests, bound on the lab's services address: a page with a service worker
// (a secure origin through Chromium's --unsafely-treat-insecure-origin-as-secure), the client address as the
// server sees it, and an upload sink and a download source that time the bytes to measure caps.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProbeServer {
  /** `http://<host>:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Bytes a transfer moved and its rate, kbit/s, from the first to the last byte received. */
export interface Throughput {
  bytes: number;
  kbps: number;
}

const PAGE = '<!doctype html><title>lab probe</title><p>lab probe</p>';

export async function startProbeServer(host: string): Promise<ProbeServer> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://probe');
    if (url.pathname === '/') return send(response, 'text/html', PAGE);
    if (url.pathname === '/sw.js')
      return send(response, 'text/javascript', "self.addEventListener('fetch', () => {});");
    if (url.pathname === '/echo')
      return send(response, 'application/json', JSON.stringify({ address: request.socket.remoteAddress }));
    if (url.pathname === '/sink' && request.method === 'POST') {
      const meter = rateMeter();
      request.on('data', (chunk: Uint8Array) => meter.add(chunk.byteLength));
      request.on('end', () => send(response, 'application/json', JSON.stringify(meter.result())));
      return;
    }
    if (url.pathname === '/source') {
      const total = Number(url.searchParams.get('bytes'));
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
      const chunk = new Uint8Array(64 * 1024);
      let sent = 0;
      // Written as fast as the socket takes it: the cap under test is the only limit.
      const pump = () => {
        while (sent < total) {
          const size = Math.min(chunk.byteLength, total - sent);
          sent += size;
          if (!response.write(chunk.subarray(0, size))) return void response.once('drain', pump);
        }
        response.end();
      };
      return pump();
    }
    response.writeHead(404).end();
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Counts bytes as they arrive: the rate is over first to last byte (tbf's burst is ~2 % of a 3 s transfer). */
function rateMeter() {
  let first = 0;
  let last = 0;
  let bytes = 0;
  return {
    add(size: number) {
      last = performance.now();
      if (bytes === 0) first = last;
      bytes += size;
    },
    result: (): Throughput => ({ bytes, kbps: last > first ? (bytes * 8) / (last - first) : 0 }),
  };
}

function send(response: ServerResponse, type: string, body: string): void {
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}
