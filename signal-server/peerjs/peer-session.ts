// The state of one WebSocket connection, stored as the socket's user data. Kept to a few scalar fields —
// no closures, timers or maps per socket — because idle connections must cost under 2 KB each.
import type { SignalErrorReport } from '../../protocol/signaling/signal-errors';
import type { TokenBucket } from '../access/rate-limiter';
import type { PeerTraits } from '../swarms/peer-traits';

/**
 * connecting: upgraded, not open yet. claiming: open, its id being claimed in Redis (cluster mode), messages
 * held. closing: the server ended it; nothing more is sent.
 */
export type SessionStatus = 'connecting' | 'claiming' | 'open' | 'closing' | 'closed';

export interface PeerSession<Socket> extends TokenBucket {
  id: string;
  token: string;
  status: SessionStatus;
  /** Set at the handshake when the connection must be refused once open (the client learns why). */
  rejection: SignalErrorReport | null;
  /** Last message from the client (ms); the sweep closes connections idle for too long. */
  lastSeenAt: number;
  /** Swarms joined; null (not []) while there are none, the common case. */
  swarms: string[] | null;
  /** The client address the per-IP limits count against. */
  ip: string;
  /**
   * swarmOnlySignaling: peers this one may keep signaling whatever their swarms now (a connection set up
   * while they shared one: its ANSWER and CANDIDATEs must pass even if either left). Bounded; null when none.
   */
  contacts: string[] | null;
  /** The QoE session this connection reports for (qoe/); null until its first accepted QOE-REPORT. */
  qoe: string | null;
  /** Set when the socket opens; null again once closed, so a closed socket is never touched. */
  socket: Socket | null;
  /** Matching: its network and playback (looked up at its first SWARM-JOIN or VIEWER-STATE); null before. */
  traits: PeerTraits | null;
}

/** A plain object literal: uWS copies the user data's own properties, so no prototype survives anyway. */
export function createSession<Socket>(
  id: string,
  token: string,
  ip: string,
  rejection: SignalErrorReport | null,
  bucket: TokenBucket,
  now: number,
): PeerSession<Socket> {
  return {
    id,
    token,
    status: 'connecting',
    rejection,
    tokens: bucket.tokens,
    refilledAt: bucket.refilledAt,
    lastSeenAt: now,
    swarms: null,
    ip,
    contacts: null,
    qoe: null,
    socket: null,
    traits: null,
  };
}
