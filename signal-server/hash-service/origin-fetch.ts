// Fetches one segment from its origin and hashes it as it streams in, within a deadline and a size cap. Refuses,
// without reading the body, what must not be hashed: a non-public address (checked on the very address the
// socket connects to, so DNS cannot swap it afterwards), a redirect to another origin, a `no-store` or `private`
// answer, a byte range the origin did not serve exactly, a compressed body.
import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { SegmentTarget } from './segment-target';

export type FetchFailure =
  | 'refused-address'
  | 'redirect'
  | 'no-store'
  | 'too-large'
  | 'timeout'
  | 'http-error'
  | 'network-error'
  | 'bad-response';

export type FetchResult =
  | { outcome: 'fetched'; size: number; sha256: string }
  | { outcome: FetchFailure; detail: string; status?: number };

export interface OriginFetchOptions {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  /** Whether a connection to `address` is allowed for a URL whose host is `host` (address-policy.ts). */
  mayConnect(host: string, address: string): boolean;
  /** Every address of a name. Default: the system resolver (node:dns lookup, all addresses). */
  resolve?: (host: string) => Promise<LookupAddress[]>;
}

/** Redirects followed, on the same origin only. */
const MAX_REDIRECTS = 3;
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

const systemResolve = (host: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/** Raised by the guarded lookup: the name resolves to an address the policy refuses. */
class AddressRefused extends Error {}

export function createOriginFetch(
  options: OriginFetchOptions,
): (target: SegmentTarget) => Promise<FetchResult> {
  return (target) => fetchTarget(target, options);
}

async function fetchTarget(target: SegmentTarget, options: OriginFetchOptions): Promise<FetchResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let url = target.url;
    for (let hop = 0; ; hop++) {
      const response = await get(url, target, options, controller.signal);
      const location = response.headers.location;
      if (isRedirect(response.statusCode) && location) {
        response.destroy();
        const next = URL.canParse(location, url) ? new URL(location, url) : null;
        if (!next || next.origin !== url.origin || next.username || next.password)
          return { outcome: 'redirect', detail: `redirected to another origin (${location.slice(0, 200)})` };
        if (hop >= MAX_REDIRECTS)
          return { outcome: 'redirect', detail: `more than ${MAX_REDIRECTS} redirects` };
        url = next;
        continue;
      }
      return await hashBody(response, target, options);
    }
  } catch (error) {
    if (controller.signal.aborted)
      return { outcome: 'timeout', detail: `no complete answer within ${options.timeoutMs} ms` };
    if (error instanceof AddressRefused) return { outcome: 'refused-address', detail: error.message };
    return { outcome: 'network-error', detail: String((error as Error).message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

function isRedirect(status: number | undefined): boolean {
  return status !== undefined && status >= 300 && status < 400 && status !== 304;
}

/** Sends the GET; resolves with the response head. The socket only ever connects to an address the policy allows. */
function get(url: URL, target: SegmentTarget, options: OriginFetchOptions, signal: AbortSignal) {
  const host = url.hostname;
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(literal) && !options.mayConnect(host, literal))
    return Promise.reject(new AddressRefused(`${literal} is not a public address`));
  const resolve = options.resolve ?? systemResolve;
  const requestOptions: RequestOptions = {
    method: 'GET',
    signal,
    agent: false,
    headers: {
      'user-agent': options.userAgent,
      'accept-encoding': 'identity',
      ...(target.range && { range: `bytes=${target.range.start}-${target.range.end}` }),
    },
    // Called by the socket for the name it is about to connect to: every address is checked, and the socket
    // connects to exactly what this returns (net.connect calls it with `all` when it races address families).
    lookup: ((name: string, lookupOptions: { all?: boolean }, callback: LookupCallback) => {
      resolve(name).then((addresses) => {
        const refused = addresses.find((entry) => !options.mayConnect(host, entry.address));
        if (addresses.length === 0 || refused)
          return callback(
            new AddressRefused(`${name} resolves to ${refused?.address ?? 'nothing'}, not a public address`),
          );
        const [first] = addresses as [LookupAddress];
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      }, callback);
    }) as RequestOptions['lookup'],
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<IncomingMessage>((resolveResponse, reject) => {
    const request = send(url, requestOptions, resolveResponse);
    request.once('error', reject);
    request.end();
  });
}

type LookupCallback = (error: Error | null, address?: string | LookupAddress[], family?: number) => void;

/** Checks the head, then hashes the body as it arrives; anything refused is never read. */
async function hashBody(
  response: IncomingMessage,
  target: SegmentTarget,
  options: OriginFetchOptions,
): Promise<FetchResult> {
  const refusal = checkHead(response, target, options);
  if (refusal) {
    response.destroy();
    return refusal;
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > options.maxBytes) {
      response.destroy();
      return { outcome: 'too-large', detail: `over ${options.maxBytes} bytes` };
    }
    // A Uint8Array view: Node's Buffer type does not satisfy crypto's BinaryLike under TypeScript 5.9's libs.
    hash.update(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  if (!response.complete) return { outcome: 'network-error', detail: 'the answer ended early' };
  const expected = target.range ? target.range.end - target.range.start + 1 : null;
  if (size === 0 || (expected !== null && size !== expected))
    return { outcome: 'bad-response', detail: `${size} bytes, expected ${expected ?? 'some'}` };
  return { outcome: 'fetched', size, sha256: hash.digest('hex') };
}

function checkHead(
  response: IncomingMessage,
  target: SegmentTarget,
  options: OriginFetchOptions,
): FetchResult | undefined {
  const status = response.statusCode ?? 0;
  const { range } = target;
  if (status !== 200 && status !== 206) return { outcome: 'http-error', status, detail: `status ${status}` };
  if ((status === 206) !== (range !== null))
    return { outcome: 'bad-response', status, detail: range ? 'the origin ignored Range' : 'unasked 206' };
  const cacheControl = (response.headers['cache-control'] ?? '').toLowerCase().split(',');
  const directives = cacheControl.map((directive) => directive.split('=')[0]?.trim());
  if (directives.includes('no-store') || directives.includes('private'))
    return { outcome: 'no-store', detail: `Cache-Control: ${response.headers['cache-control']}` };
  const encoding = response.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity')
    return { outcome: 'bad-response', detail: `Content-Encoding: ${encoding} (not what a player hashes)` };
  if (range) {
    const match = CONTENT_RANGE.exec(response.headers['content-range'] ?? '');
    const total = match?.[3] === '*' ? null : Number(match?.[3]);
    if (
      !match ||
      Number(match[1]) !== range.start ||
      Number(match[2]) !== range.end ||
      (target.fileSize !== null && total !== target.fileSize)
    )
      return {
        outcome: 'bad-response',
        detail: `Content-Range ${response.headers['content-range']} is not the one asked`,
      };
  }
  const length = Number(response.headers['content-length'] ?? Number.NaN);
  if (length > options.maxBytes)
    return { outcome: 'too-large', detail: `Content-Length ${length} over ${options.maxBytes} bytes` };
  return undefined;
}
