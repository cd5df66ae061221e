// Peerlane's extension of the PeerJS signaling protocol: swarms (which peers watch what).
// Declared once; the signal server validates them and the page agent sends/receives them over the same
// WebSocket the stock peerjs client opened (peer.socket.send / peer.socket.on('message')).

/** Client → server. A swarm key is an opaque string (stream + rendition), 1..256 characters. */
export type SwarmClientMessage =
  | { type: 'SWARM-JOIN'; payload: { swarm: string } }
  | { type: 'SWARM-LEAVE'; payload: { swarm: string } };

/**
 * Where a peer is, network-wise, relative to the one told about it — never the ASN or country itself:
 * 'isp' same autonomous system (ASN), 'country' another ASN in the same country, 'far' neither, 'unknown'
 * when a lookup missed for either side (a private address, no database) or the server does not match.
 */
export const NETWORK_TIERS = ['isp', 'country', 'far', 'unknown'] as const;
export type NetworkTier = (typeof NETWORK_TIERS)[number];

/** Server → client. */
export type SwarmServerMessage =
  /**
   * Answer to SWARM-JOIN: a bounded, ranked list of other members, never the joiner (best first). `networks[i]`
   * is `peers[i]`'s tier; absent when every one is 'unknown' (GeoIP off, `--ranking random`).
   */
  | { type: 'SWARM-PEERS'; payload: { swarm: string; peers: string[]; networks?: NetworkTier[] } }
  /** A newcomer joined a swarm you are in (sent to a bounded number of existing members); `network` as above. */
  | { type: 'SWARM-JOINED'; payload: { swarm: string; peer: string; network?: NetworkTier } };

export const SWARM_CLIENT_TYPES = ['SWARM-JOIN', 'SWARM-LEAVE'] as const;
export const MAX_SWARM_KEY_LENGTH = 256;

/** Control characters have no place in a key and would garble logs and metrics. */
const CONTROL_CHARACTER = /\p{Cc}/u;

export function isValidSwarmKey(swarm: unknown): swarm is string {
  return (
    typeof swarm === 'string' &&
    swarm.length > 0 &&
    swarm.length <= MAX_SWARM_KEY_LENGTH &&
    !CONTROL_CHARACTER.test(swarm)
  );
}

/**
 * Validates a parsed client message whose type starts with SWARM-. Returns the typed message, or why it is
 * invalid: 'unknown-type' for a SWARM-* type that does not exist, otherwise a human-readable reason.
 */
export function validateSwarmClientMessage(message: {
  type: string;
  payload?: unknown;
}): SwarmClientMessage | 'unknown-type' | string {
  const type = SWARM_CLIENT_TYPES.find((known) => known === message.type);
  if (!type) return 'unknown-type';
  const swarm = (message.payload as { swarm?: unknown } | null | undefined)?.swarm;
  if (!isValidSwarmKey(swarm)) {
    return `${type} needs payload.swarm: a string of 1-${MAX_SWARM_KEY_LENGTH} characters without control characters`;
  }
  return { type, payload: { swarm } };
}

/** For the page agent: narrows a message received on the peerjs socket to a swarm message. */
export function isSwarmServerMessage(message: unknown): message is SwarmServerMessage {
  const { type, payload } = (message ?? {}) as { type?: unknown; payload?: Record<string, unknown> };
  if (typeof payload !== 'object' || payload === null || typeof payload.swarm !== 'string') return false;
  if (type === 'SWARM-PEERS') {
    const { peers, networks } = payload;
    return (
      Array.isArray(peers) &&
      peers.every((peer) => typeof peer === 'string') &&
      (networks === undefined ||
        (Array.isArray(networks) && networks.length === peers.length && networks.every(isNetworkTier)))
    );
  }
  return (
    type === 'SWARM-JOINED' &&
    typeof payload.peer === 'string' &&
    (payload.network === undefined || isNetworkTier(payload.network))
  );
}

export function isNetworkTier(value: unknown): value is NetworkTier {
  return NETWORK_TIERS.includes(value as NetworkTier);
}

export function encodeSwarmServerMessage(message: SwarmServerMessage): string {
  return JSON.stringify(message);
}
