// RECONNECT: Peerlane's server → client notice that this process is going away (graceful drain). Declared once
// here for the server and the page agent, which reconnects after the delay and so lands on another process.

/**
 * "Reconnect `afterMs` from now." The server closes the socket with 1001 going-away at that moment unless
 * the client closed it first; a new connection during a drain gets it too, and is closed at once.
 * Delays are spread at random over the drain (drainSpreadMs) so the other processes are not stampeded.
 */
export interface ReconnectMessage {
  type: 'RECONNECT';
  payload: { afterMs: number };
}

export function encodeReconnectMessage(afterMs: number): string {
  return JSON.stringify({ type: 'RECONNECT', payload: { afterMs } } satisfies ReconnectMessage);
}

/** For the page agent: narrows a message received on the peerjs socket. */
export function isReconnectMessage(message: unknown): message is ReconnectMessage {
  const { type, payload } = (message ?? {}) as { type?: unknown; payload?: { afterMs?: unknown } };
  const afterMs = payload?.afterMs;
  return type === 'RECONNECT' && typeof afterMs === 'number' && Number.isFinite(afterMs) && afterMs >= 0;
}
