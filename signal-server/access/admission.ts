// Who may open a signaling connection: the checks on the WebSocket handshake, in one place — parameters,
// origin allow-list, site key, id and token rules, signed join tokens, server and per-IP connection limits.

import { isValidPeerId } from '../../protocol/signaling/peer-id';
import { isValidToken } from '../../protocol/signaling/peerjs-messages';
import type { SignalErrorReport } from '../../protocol/signaling/signal-errors';
import type { SignalServerConfig } from '../config';
import { verifyJoinToken } from './join-token';
import { createOriginPolicy, type OriginPolicy } from './origin-policy';
import { loadSiteKeys, type SiteKeys } from './site-keys';

/** The WebSocket query (key, id, token, version) and headers, read at the upgrade. */
export interface Handshake {
  key: string;
  id: string;
  token: string;
  version: string;
  /** The Origin header, '' when absent (not a browser). */
  origin: string;
  /** The client address the per-IP limits count against (client-ip.ts). */
  ip: string;
}

/** What the checks need, built once at start (the keys file is read here). */
export interface AdmissionPolicy {
  keys: SiteKeys;
  /** null: any origin. */
  origins: OriginPolicy | null;
  config: SignalServerConfig;
}

export function createAdmissionPolicy(config: SignalServerConfig): AdmissionPolicy {
  return { keys: loadSiteKeys(config), origins: createOriginPolicy(config.allowedOrigins), config };
}

/** The server's load when the handshake arrives. */
export interface Load {
  openSockets: number;
  /** false when the client's IP already has maxConnectionsPerIp open. */
  ipAllowed: boolean;
}

/** Why the connection must be refused once open (so the client can be told), or null to admit it. */
export function admitHandshake(
  { key, id, token, origin }: Handshake,
  { keys, origins, config }: AdmissionPolicy,
  load: Load,
  nowMs: number,
): SignalErrorReport | null {
  const missing = Object.entries({ id, token, key }).flatMap(([name, value]) => (value ? [] : [name]));
  if (missing.length > 0) return { code: 'invalid-ws-parameters', details: { missing } };
  if (origins && !origins(origin)) return { code: 'origin-not-allowed', details: { origin } };
  const secret = keys.get(key);
  if (secret === undefined) return { code: 'invalid-key', details: { key: key.slice(0, 64) } };
  if (!isValidPeerId(id)) return { code: 'invalid-id', details: { id } };
  if (!isValidToken(token, config.minTokenLength))
    return { code: 'invalid-token', details: { length: token.length, min: config.minTokenLength } };
  // The signed token is also the id's connection token: a reconnect must present the same one.
  const joinRefusal = secret === null ? null : verifyJoinToken(token, secret, key, id, nowMs);
  if (joinRefusal) return joinRefusal;
  if (load.openSockets >= config.maxConnections)
    return { code: 'server-full', details: { limit: config.maxConnections } };
  if (!load.ipAllowed)
    return { code: 'too-many-connections', details: { limit: config.maxConnectionsPerIp } };
  return null;
}
