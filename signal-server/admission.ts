// Who may open a signaling connection: the checks on the WebSocket handshake, in one place.
// Issue 7 adds its checks here: origin allow-list, keys from a file, signed join tokens, per-IP limits.
import type { SignalServerConfig } from './config';
import type { ErrorReport } from './errors';
import { isValidPeerId, isValidToken } from './peerjs-messages';

/** The WebSocket query (key, id, token, version) and headers, read at the upgrade. */
export interface Handshake {
  key: string;
  id: string;
  token: string;
  version: string;
  origin: string;
}

/** Why the connection must be refused once open (so the client can be told), or null to admit it. */
export function admitHandshake(
  { key, id, token }: Handshake,
  config: SignalServerConfig,
  openSockets: number,
): ErrorReport | null {
  const missing = Object.entries({ id, token, key }).flatMap(([name, value]) => (value ? [] : [name]));
  if (missing.length > 0) return { code: 'invalid-ws-parameters', details: { missing } };
  if (key !== config.key) return { code: 'invalid-key', details: { key: key.slice(0, 64) } };
  if (!isValidPeerId(id)) return { code: 'invalid-id', details: { id } };
  if (!isValidToken(token)) return { code: 'invalid-token', details: { length: token.length } };
  if (openSockets >= config.maxConnections)
    return { code: 'server-full', details: { limit: config.maxConnections } };
  return null;
}
