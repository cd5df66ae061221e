// Peerlane's extension of the PeerJS signaling protocol: swarms (which peers watch what).
// Declared once; the signal server validates them and the page agent sends/receives them over the same
// WebSocket the stock peerjs client opened (peer.socket.send / peer.socket.on('message')).

/** Client → server. A swarm key is an opaque string (stream + rendition), 1..256 characters. */
export type SwarmClientMessage =
  | { type: 'SWARM-JOIN'; payload: { swarm: string } }
  | { type: 'SWARM-LEAVE'; payload: { swarm: string } };

/** Server → client. */
export type SwarmServerMessage =
  /** Answer to SWARM-JOIN: a bounded, ranked (today: shuffled) list of other members, never the joiner. */
  | { type: 'SWARM-PEERS'; payload: { swarm: string; peers: string[] } }
  /** A newcomer joined a swarm you are in (sent to a bounded number of existing members). */
  | { type: 'SWARM-JOINED'; payload: { swarm: string; peer: string } };

export const SWARM_CLIENT_TYPES = ['SWARM-JOIN', 'SWARM-LEAVE'] as const;
export const MAX_SWARM_KEY_LENGTH = 256;
