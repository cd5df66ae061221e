// The error and close codes a signaling client can receive — in ERROR / ID-TAKEN / INVALID-KEY payloads and as
// WebSocket close reasons — with the details each is reported with. The server's messages for them: errors.ts.

/** Details of every code a client can be sent (the server's start-up codes are its own, in errors.ts). */
export interface SignalErrorDetails {
  'invalid-ws-parameters': { missing: string[] };
  'invalid-key': { key: string };
  'invalid-id': { id: string };
  'invalid-token': { length: number; min: number };
  'id-taken': { id: string };
  'origin-not-allowed': { origin: string };
  'invalid-join-token': { reason: string };
  'join-token-expired': { exp: number };
  'server-full': { limit: number };
  'too-many-connections': { limit: number };
  'malformed-json': { reason: string };
  'invalid-message': { reason: string };
  'unknown-type': { type: string };
  'forged-src': { src: string };
  'missing-dst': { type: string };
  'invalid-dst': { type: string };
  'invalid-payload': { type: string; reason: string };
  'payload-too-large': { size: number; limit: number };
  'binary-frame': Record<string, never>;
  'rate-limited': { perSecond: number; burst: number };
  'ip-rate-limited': { perSecond: number; burst: number };
  flood: { perSecond: number; burst: number };
  'not-in-swarm': { dst: string };
  'invalid-swarm': { reason: string };
  'too-many-swarms': { limit: number };
  'slow-reader': { bufferedBytes: number; limit: number };
  'idle-timeout': { idleMs: number };
  replaced: Record<string, never>;
  'going-away': Record<string, never>;
  draining: Record<string, never>;
}

export type SignalErrorCode = keyof SignalErrorDetails;

/** A code together with its details, as one value (what validators return instead of throwing). */
export type SignalErrorReport = {
  [Code in SignalErrorCode]: { code: Code; details: SignalErrorDetails[Code] };
}[SignalErrorCode];

/**
 * WebSocket close codes the server uses. 1000-1015 are RFC 6455; 4000-4999 are ours (application range).
 * Each close also carries a short reason (≤ 123 bytes, the RFC limit).
 */
export const CloseCode = {
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  tryAgainLater: 1013,
  replaced: 4000,
  rejected: 4001,
  idleTimeout: 4002,
  slowReader: 4003,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
