// The PeerJS server protocol as the stock peerjs 1.5.x client speaks it: messages declared once, with the
// validator for what clients send, the encoder for what the server sends, and the `src` splice for relays.

import { type HashClientMessage, validateHashClientMessage } from './hash-messages';
import { isValidPeerId } from './peer-id';
import { QOE_CLIENT_TYPE, type QoeClientMessage, validateQoeReport } from './qoe-messages';
import type { ReconnectMessage } from './reconnect-message';
import type { SignalErrorCode, SignalErrorReport } from './signal-errors';
import { type SwarmClientMessage, validateSwarmClientMessage } from './swarm-messages';
import { type ViewerStateMessage, validateViewerState } from './viewer-state';

/** Client → server → client: forwarded to `dst` with `src` set by the server. */
export const RELAY_TYPES = ['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE'] as const;
export type RelayType = (typeof RELAY_TYPES)[number];

/** Relayed types the client needs a payload object for (peerjs reads payload.connectionId unguarded). */
const PAYLOAD_REQUIRED: ReadonlySet<string> = new Set(['OFFER', 'ANSWER', 'CANDIDATE']);
const RELAY_TYPE_SET: ReadonlySet<string> = new Set(RELAY_TYPES);

export type PeerJsClientMessage = { type: 'HEARTBEAT' } | { type: RelayType; dst: string; payload?: unknown };

export type PeerJsServerMessage =
  | { type: 'OPEN' }
  | { type: 'ERROR' | 'ID-TAKEN' | 'INVALID-KEY'; payload: { msg: string; code: SignalErrorCode } }
  | { type: RelayType; src: string; dst: string; payload?: unknown }
  | ReconnectMessage;

export type ClientMessage =
  | PeerJsClientMessage
  | SwarmClientMessage
  | HashClientMessage
  | ViewerStateMessage
  | QoeClientMessage;

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; error: SignalErrorReport };

/**
 * peerjs tokens are Math.random().toString(36).slice(2) (~11 characters); signed join tokens are 57. The
 * token binds an id (whoever knows it can take the id over), hence a minimum length (minTokenLength).
 */
const TOKEN = /^[\x20-\x7e]{1,64}$/;

export function isValidToken(token: string, minLength = 1): boolean {
  return token.length >= minLength && TOKEN.test(token);
}

/** Validates one text frame from a client. Never throws; hostile input yields an error report. */
export function parseClientMessage(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail({ code: 'malformed-json', details: { reason: (error as Error).message.slice(0, 100) } });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail({ code: 'invalid-message', details: { reason: 'expected a JSON object' } });
  }
  const message = value as { type?: unknown; src?: unknown; dst?: unknown; payload?: unknown };
  const { type } = message;
  if (typeof type !== 'string')
    return fail({ code: 'invalid-message', details: { reason: "missing 'type'" } });
  // A client never sends src; refusing it outright (rather than overwriting) keeps relays a pure splice.
  if (message.src !== undefined) return fail({ code: 'forged-src', details: { src: String(message.src) } });
  if (type === 'HEARTBEAT') return { ok: true, message: { type } };
  if (RELAY_TYPE_SET.has(type)) {
    const relayType = type as RelayType;
    if (message.dst === undefined || message.dst === '') {
      return fail({ code: 'missing-dst', details: { type } });
    }
    if (!isValidPeerId(message.dst)) return fail({ code: 'invalid-dst', details: { type } });
    const { payload } = message;
    if (
      PAYLOAD_REQUIRED.has(type) &&
      (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    ) {
      return fail({ code: 'invalid-payload', details: { type, reason: 'expected an object' } });
    }
    return { ok: true, message: { type: relayType, dst: message.dst, payload } };
  }
  if (type.startsWith('SWARM-')) {
    const swarm = validateSwarmClientMessage({ type, payload: message.payload });
    if (typeof swarm === 'string') {
      return swarm === 'unknown-type'
        ? fail({ code: 'unknown-type', details: { type } })
        : fail({ code: 'invalid-swarm', details: { reason: swarm } });
    }
    return { ok: true, message: swarm };
  }
  if (type === 'VIEWER-STATE') {
    const state = validateViewerState(message.payload);
    if (typeof state === 'string') return fail({ code: 'invalid-payload', details: { type, reason: state } });
    return { ok: true, message: state };
  }
  if (type === QOE_CLIENT_TYPE) {
    const report = validateQoeReport(message.payload);
    if (typeof report === 'string')
      return fail({ code: 'invalid-payload', details: { type, reason: report } });
    return { ok: true, message: { type, payload: report } };
  }
  const hash = validateHashClientMessage({ type, payload: message.payload });
  if (hash === 'unknown-type') return fail({ code: 'unknown-type', details: { type } });
  if (typeof hash === 'string') return fail({ code: 'invalid-payload', details: { type, reason: hash } });
  return { ok: true, message: hash };
}

function fail(error: SignalErrorReport): ParseResult {
  return { ok: false, error };
}

/**
 * Puts `"src":"<id>"` first in a validated relay message without re-serializing its payload (the hot path).
 * Safe because parseClientMessage refused any client-sent src (JSON takes the last duplicate key, so a
 * client's own src after ours would win) and a valid peer id needs no JSON escaping.
 */
export function withSrc(text: string, src: string): string {
  const brace = text.indexOf('{');
  return `{"src":"${src}",${text.slice(brace + 1)}`;
}

export function encodeServerMessage(message: PeerJsServerMessage): string {
  return JSON.stringify(message);
}
