// Requests the worker sends to the network on a player's behalf, and which answers may be cached and shared.
import type { ByteRange } from './byte-range';

const UNCACHEABLE = /(?:^|,)\s*(?:no-store|private)\s*(?:[,=]|$)/i;

/**
 * A request whose answer the worker can read: the player's own when it already is; otherwise re-made, in cors
 * mode when cross-origin (a no-cors answer is opaque), with `range` when given (else the player's Range).
 */
export function readableRequest(
  request: Request,
  origin: string,
  range?: ByteRange,
  signal: AbortSignal = request.signal,
): Request {
  const sameOrigin = new URL(request.url).origin === origin;
  if (!range && (request.mode !== 'no-cors' || sameOrigin)) return request;
  const headers = new Headers();
  const value = range ? `bytes=${range.start}-${range.end}` : request.headers.get('Range');
  if (value) headers.set('Range', value);
  return sameOrigin
    ? new Request(request.url, { credentials: request.credentials, headers, signal })
    : new Request(request.url, { mode: 'cors', credentials: 'omit', headers, signal });
}

/** Only public, readable answers to credential-free requests are cached and shared. */
export function isShareable(request: Request, response: Response): boolean {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.type === 'error') {
    return false;
  }
  if (request.headers.has('Authorization')) return false;
  return !UNCACHEABLE.test(response.headers.get('Cache-Control') ?? '');
}

/** `Content-Range: bytes start-end/total` read, or undefined when absent (hidden cross-origin) or malformed. */
export function readContentRange(
  response: Response,
): { start: number; end: number; total: number | null } | undefined {
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(response.headers.get('Content-Range')?.trim() ?? '');
  if (!match) return undefined;
  const [, start = '', end = '', total = ''] = match;
  return { start: Number(start), end: Number(end), total: total === '*' ? null : Number(total) };
}
