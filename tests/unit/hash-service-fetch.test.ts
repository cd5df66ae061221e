// The hash service's fetch against a real HTTP server on loopback: it hashes exactly the bytes an id names, and
// refuses — without reading the body — private addresses reached through a name, redirects elsewhere, no-store
// and private answers, byte ranges the origin did not honour, bodies over the cap; and it gives up at its deadline.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mayConnect } from '../../signal-server/hash-service/address-policy';
import { createOriginFetch, type OriginFetchOptions } from '../../signal-server/hash-service/origin-fetch';
import type { SegmentTarget } from '../../signal-server/hash-service/segment-target';

const BODY = new Uint8Array(Array.from({ length: 10_000 }, (_, n) => n % 251));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const USER_AGENT = 'peerlane-hash-service/test';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const routes = new Map<string, Handler>();
const seen: Array<{ path: string; range: string | undefined; userAgent: string | undefined }> = [];
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    seen.push({ path, range: request.headers.range, userAgent: request.headers['user-agent'] });
    const handler = routes.get(path);
    if (handler) handler(request, response);
    else response.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const serve = (path: string, handler: Handler) => routes.set(path, handler);
const whole =
  (headers: Record<string, string> = {}): Handler =>
  (_request, response) => {
    response.writeHead(200, { 'content-length': BODY.byteLength, ...headers }).end(BODY);
  };
/** Answers Range requests as a file server does (one range). */
const ranged: Handler = (request, response) => {
  const [, from, to] = /bytes=(\d+)-(\d+)/.exec(request.headers.range ?? '') ?? [];
  if (from === undefined || to === undefined) return whole()(request, response);
  const part = BODY.subarray(Number(from), Number(to) + 1);
  response
    .writeHead(206, {
      'content-range': `bytes ${from}-${to}/${BODY.byteLength}`,
      'content-length': part.byteLength,
    })
    .end(part);
};

function fetcher(options: Partial<OriginFetchOptions> = {}) {
  return createOriginFetch({
    timeoutMs: 2_000,
    maxBytes: 1_000_000,
    userAgent: USER_AGENT,
    mayConnect,
    ...options,
  });
}

function target(
  path: string,
  host = 'localhost',
  range: SegmentTarget['range'] = null,
  fileSize: number | null = null,
) {
  return { url: new URL(`http://${host}:${port}${path}`), range, fileSize };
}

describe('fetching and hashing a segment', () => {
  it('hashes a whole segment, sending its User-Agent and no Range', async () => {
    serve('/seg-1.ts', whole());
    const result = await fetcher()(target('/seg-1.ts'));
    expect(result).toEqual({ outcome: 'fetched', size: BODY.byteLength, sha256: sha256(BODY) });
    expect(seen.at(-1)).toEqual({ path: '/seg-1.ts', range: undefined, userAgent: USER_AGENT });
  });

  it('hashes exactly the byte range an id names, and a progressive piece of a file of the named size', async () => {
    serve('/all.mp4', ranged);
    const range = await fetcher()(target('/all.mp4', 'localhost', { start: 100, end: 1_099 }));
    expect(range).toEqual({ outcome: 'fetched', size: 1_000, sha256: sha256(BODY.subarray(100, 1_100)) });
    expect(seen.at(-1)?.range).toBe('bytes=100-1099');
    const piece = await fetcher()(target('/all.mp4', 'localhost', { start: 0, end: 4_095 }, BODY.byteLength));
    expect(piece).toMatchObject({ outcome: 'fetched', sha256: sha256(BODY.subarray(0, 4_096)) });
    // The file changed size since the id was made: those pieces are another resource.
    const stale = await fetcher()(target('/all.mp4', 'localhost', { start: 0, end: 4_095 }, 20_000));
    expect(stale.outcome).toBe('bad-response');
  });

  it('refuses an origin that ignores Range, a compressed body and an empty one', async () => {
    serve('/no-range.mp4', whole());
    expect((await fetcher()(target('/no-range.mp4', 'localhost', { start: 0, end: 9 }))).outcome).toBe(
      'bad-response',
    );
    serve('/gzip.ts', whole({ 'content-encoding': 'gzip' }));
    expect((await fetcher()(target('/gzip.ts'))).outcome).toBe('bad-response');
    serve('/empty.ts', (_request, response) => response.writeHead(200, { 'content-length': 0 }).end());
    expect((await fetcher()(target('/empty.ts'))).outcome).toBe('bad-response');
  });

  it('fetches but never hashes a no-store or private answer', async () => {
    for (const cacheControl of [
      'no-store',
      'private, max-age=60',
      'public, no-store',
      'PRIVATE="set-cookie"',
    ]) {
      serve('/secret.ts', whole({ 'cache-control': cacheControl }));
      expect((await fetcher()(target('/secret.ts'))).outcome, cacheControl).toBe('no-store');
    }
    serve('/public.ts', whole({ 'cache-control': 'public, max-age=3600' }));
    expect((await fetcher()(target('/public.ts'))).outcome).toBe('fetched');
  });

  it('follows a redirect on the same origin, refuses one to elsewhere or one too many', async () => {
    serve('/moved.ts', (_request, response) => response.writeHead(301, { location: '/seg-1.ts' }).end());
    expect(await fetcher()(target('/moved.ts'))).toMatchObject({ outcome: 'fetched', sha256: sha256(BODY) });
    serve('/away.ts', (_request, response) =>
      response.writeHead(302, { location: `http://127.0.0.1:${port}/seg-1.ts` }).end(),
    );
    const before = seen.length;
    expect((await fetcher()(target('/away.ts'))).outcome).toBe('redirect');
    expect(seen.slice(before).map((request) => request.path)).toEqual(['/away.ts']);
    serve('/loop.ts', (_request, response) => response.writeHead(307, { location: '/loop.ts' }).end());
    expect((await fetcher()(target('/loop.ts'))).outcome).toBe('redirect');
  });

  it('reports HTTP errors with their status', async () => {
    expect(await fetcher()(target('/missing.ts'))).toMatchObject({ outcome: 'http-error', status: 404 });
    serve('/forbidden.ts', (_request, response) => response.writeHead(403).end());
    expect(await fetcher()(target('/forbidden.ts'))).toMatchObject({ outcome: 'http-error', status: 403 });
  });
});

describe('its limits', () => {
  it('refuses a body over the cap by its Content-Length, and aborts a streamed one when it passes the cap', async () => {
    serve('/big.ts', whole());
    expect((await fetcher({ maxBytes: 5_000 })(target('/big.ts'))).outcome).toBe('too-large');
    let written = 0;
    serve('/endless.ts', (_request, response) => {
      response.writeHead(200);
      const chunk = new Uint8Array(16_384);
      const pump = () => {
        while (!response.destroyed && written < 50_000_000 && response.write(chunk))
          written += chunk.byteLength;
        if (!response.destroyed && written < 50_000_000) response.once('drain', pump);
      };
      response.once('close', () => response.removeListener('drain', pump));
      pump();
    });
    expect((await fetcher({ maxBytes: 100_000 })(target('/endless.ts'))).outcome).toBe('too-large');
    // Aborted near the cap: the origin wrote a few socket buffers more, not its 50 MB.
    expect(written).toBeLessThan(10_000_000);
  });

  it('gives up at its deadline: an origin that never answers, and one that stalls mid-body', async () => {
    serve('/silent.ts', () => {});
    const startedAt = Date.now();
    expect((await fetcher({ timeoutMs: 300 })(target('/silent.ts'))).outcome).toBe('timeout');
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    serve('/stalls.ts', (_request, response) => {
      response.writeHead(200, { 'content-length': BODY.byteLength });
      response.write(BODY.subarray(0, 100));
    });
    expect((await fetcher({ timeoutMs: 300 })(target('/stalls.ts'))).outcome).toBe('timeout');
  });
});

describe('where it connects', () => {
  it('reaches loopback for a listed localhost and a listed 127.0.0.1, each to the address it names', async () => {
    expect((await fetcher()(target('/seg-1.ts', 'localhost'))).outcome).toBe('fetched');
    expect((await fetcher()(target('/seg-1.ts', '127.0.0.1'))).outcome).toBe('fetched');
  });

  it('never connects to a private address a name resolves to, even among public ones (DNS rebinding)', async () => {
    const before = seen.length;
    for (const addresses of [['127.0.0.1'], ['93.184.216.34', '127.0.0.1'], ['10.0.0.1'], []]) {
      const resolve = async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      expect(
        (await fetcher({ resolve })(target('/seg-1.ts', 'media.example'))).outcome,
        addresses.join(),
      ).toBe('refused-address');
    }
    expect(seen.length, 'requests the server saw').toBe(before);
  });

  it('refuses an IP literal it was not given as such', async () => {
    const onlyPublic = (host: string, address: string) => host === 'localhost' && mayConnect(host, address);
    expect((await fetcher({ mayConnect: onlyPublic })(target('/seg-1.ts', '127.0.0.1'))).outcome).toBe(
      'refused-address',
    );
  });
});
