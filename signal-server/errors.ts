// Every error the signal server reports — to a client (ERROR payloads, close reasons; the codes and close codes
// are the protocol's: protocol/signaling/signal-errors.ts) or to an operator (start-up failures) — with its
// stable code and actionable message, declared once in one typed table.
import type { SignalErrorDetails, SignalErrorReport } from '../protocol/signaling/signal-errors';

/** Details each error message is built from: the codes a client can receive, plus start-up failures. */
export interface ErrorDetails extends SignalErrorDetails {
  'invalid-config': { field: string; value: string; expected: string };
  'unknown-flag': { flag: string };
  'fallback-engine': Record<string, never>;
  'listen-failed': { host: string; port: number };
  'redis-unavailable': { url: string; reason: string };
  'qoe-log-failed': { path: string; reason: string };
}

export type ErrorCode = keyof ErrorDetails;

/** Messages for each code. Reference-server wording is kept where the peerjs client shows it to users. */
export const errorMessages: { [Code in ErrorCode]: (details: ErrorDetails[Code]) => string } = {
  'invalid-ws-parameters': ({ missing }) =>
    `No id, token, or key supplied to websocket server (missing: ${missing.join(', ')})`,
  'invalid-key': ({ key }) =>
    `Invalid key provided: '${key}' is not this server's key; check the key option of new Peer()`,
  'invalid-id': ({ id }) =>
    `Invalid id '${id.slice(0, 64)}': use 1-64 letters, digits, '-', '_' or ' ' (not at either end)`,
  'invalid-token': ({ length, min }) =>
    `Invalid token provided (${length} characters): use ${min}-64 random printable characters`,
  'id-taken': ({ id }) => `ID is taken: '${id}' is connected with another token`,
  'origin-not-allowed': ({ origin }) =>
    `Origin '${origin.slice(0, 100) || '(none)'}' may not use this signal server: add it to --allowed-origins`,
  'invalid-join-token': ({ reason }) =>
    `Invalid join token (${reason}): get a fresh token from the site's backend and pass it as the Peer \`token\` option`,
  'join-token-expired': ({ exp }) =>
    `Join token expired at ${new Date(exp * 1000).toISOString()}: get a fresh token from the site's backend`,
  'too-many-connections': ({ limit }) =>
    `Too many connections from your address (limit ${limit}); close some or retry later`,
  'server-full': ({ limit }) => `Server has reached its concurrent user limit (${limit}); retry later`,
  'malformed-json': ({ reason }) => `Message is not valid JSON: ${reason}`,
  'invalid-message': ({ reason }) => `Invalid message: ${reason}`,
  'unknown-type': ({ type }) => `Unknown message type '${type.slice(0, 32)}'`,
  'forged-src': ({ src }) => `Messages must not carry 'src' (got '${src.slice(0, 64)}'): the server sets it`,
  'missing-dst': ({ type }) => `${type} needs a 'dst' peer id`,
  'invalid-dst': ({ type }) => `${type} has an invalid 'dst' peer id`,
  'invalid-payload': ({ type, reason }) => `${type} payload is invalid: ${reason}`,
  'payload-too-large': ({ size, limit }) => `Message of ${size} bytes exceeds the ${limit}-byte limit`,
  'binary-frame': () => 'Binary frames are not part of the protocol: send JSON text frames',
  'rate-limited': ({ perSecond, burst }) =>
    `Too many messages: limit is ${perSecond}/s (burst ${burst}); messages are dropped until the rate falls`,
  'ip-rate-limited': ({ perSecond, burst }) =>
    `Too many messages from your address: limit is ${perSecond}/s (burst ${burst}) for all its connections together`,
  'not-in-swarm': ({ dst }) =>
    `Cannot signal '${dst.slice(0, 64)}': it shares no swarm with you; send SWARM-JOIN for its swarm first`,
  flood: ({ perSecond, burst }) => `Message flood: kept sending far above ${perSecond}/s (burst ${burst})`,
  'invalid-swarm': ({ reason }) => `Invalid swarm: ${reason}`,
  'too-many-swarms': ({ limit }) => `A peer may be in at most ${limit} swarms: send SWARM-LEAVE first`,
  'slow-reader': ({ bufferedBytes, limit }) =>
    `Slow reader: ${bufferedBytes} bytes waiting to be read (limit ${limit})`,
  'idle-timeout': ({ idleMs }) => `No message for ${idleMs} ms: send HEARTBEAT more often`,
  replaced: () => 'Replaced by a newer connection with the same id and token',
  'going-away': () => 'Server is shutting down',
  draining: () =>
    'Server is draining: reconnect after the delay given in RECONNECT (another process takes over)',
  'invalid-config': ({ field, value, expected }) => `Invalid ${field} '${value}': expected ${expected}`,
  'unknown-flag': ({ flag }) => `Unknown option '${flag}': run with --help to list options`,
  'fallback-engine': () =>
    'uWebSockets.js could not load its native binary for this Node.js build and fell back to a slow `ws` ' +
    'shim. Use a Node.js version the binary supports (Node 20 here), or pass --allow-fallback ' +
    '(PEERLANE_ALLOW_FALLBACK=1) to run on the fallback anyway.',
  'listen-failed': ({ host, port }) =>
    `Could not listen on ${host || 'all interfaces'}:${port}: the port is in use or not permitted; choose another with --port`,
  'redis-unavailable': ({ url, reason }) =>
    `Cluster mode needs Redis at ${url}, which did not answer (${reason}): check --redis / REDIS_URL, ` +
    'the network path and credentials, or leave --redis empty to run one process in memory',
  'qoe-log-failed': ({ path, reason }) =>
    `Cannot write the QoE log ${path} (${reason}): check --qoe-log, the directory and its permissions`,
};

/** Formats the message for a code; `details` is checked against the code at compile time. */
export function errorMessage<Code extends ErrorCode>(code: Code, details: ErrorDetails[Code]): string {
  return errorMessages[code](details);
}

/** Same as errorMessage, for a report whose code is only known at run time. */
export function reportMessage(report: SignalErrorReport): string {
  return (errorMessages[report.code] as (details: SignalErrorReport['details']) => string)(report.details);
}

/** A failure with a stable code, thrown at start-up (config, engine, listen). */
export class SignalServerError<Code extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'SignalServerError';
  constructor(
    readonly code: Code,
    details: ErrorDetails[Code],
  ) {
    super(errorMessage(code, details));
  }
}
