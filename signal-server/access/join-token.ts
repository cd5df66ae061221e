// Signed join tokens: a site's backend lets one page in as one peer id until a deadline, proven with an
// HMAC-SHA256 over `key|id|exp` under the key's secret. The page passes it as the PeerJS `token` option.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignalErrorReport } from '../../protocol/signaling/signal-errors';

/** v1.<exp: unix seconds>.<base64url HMAC-SHA256(secret, "<key>|<id>|<exp>")>: 57 characters today. */
const FORMAT = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** What a site's backend runs (any language does the same): the token for `id` valid until `exp`. */
export function signJoinToken(secret: string, key: string, id: string, exp: number): string {
  const mac = createHmac('sha256', secret).update(`${key}|${id}|${exp}`).digest('base64url');
  return `v1.${exp}.${mac}`;
}

/** Null when `token` admits `id` under `key` at `nowMs`; otherwise why not. Constant-time on the MAC. */
export function verifyJoinToken(
  token: string,
  secret: string,
  key: string,
  id: string,
  nowMs: number,
): SignalErrorReport | null {
  const match = FORMAT.exec(token);
  if (!match) return { code: 'invalid-join-token', details: { reason: 'not v1.<exp>.<signature>' } };
  const exp = Number(match[1]);
  const expected = new Uint8Array(createHmac('sha256', secret).update(`${key}|${id}|${exp}`).digest());
  const given = new Uint8Array(Buffer.from(match[2] as string, 'base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { code: 'invalid-join-token', details: { reason: 'signature does not match key, id and exp' } };
  if (exp * 1000 <= nowMs) return { code: 'join-token-expired', details: { exp } };
  return null;
}
