// Cluster mode: a new connection's id is claimed in Redis before OPEN, so an id is unique across processes.
// Messages the client sends during that round trip are held (bounded), then handled in order.
import type { PeerSession } from '../peerjs/peer-session';
import type { ClaimResult, ClusterPort, SignalTelemetry } from '../signaling-ports';

/** Messages a connection may send while its id is claimed (one Redis round trip; peerjs sends none). */
const CLAIM_HOLD_LIMIT = 16;

export type ClaimDone<Socket> = (session: PeerSession<Socket>, result: ClaimResult, held: string[]) => void;

export class IdClaims<Socket> {
  /** Connections whose claim is in flight, with what they sent meanwhile. */
  private readonly pending = new Map<PeerSession<Socket>, string[]>();

  constructor(
    private readonly cluster: ClusterPort,
    private readonly telemetry: SignalTelemetry,
    private readonly done: ClaimDone<Socket>,
  ) {}

  /** Marks the session `claiming` and calls `done` (status back to `open`) unless it closed meanwhile. */
  start(session: PeerSession<Socket>): void {
    session.status = 'claiming';
    this.pending.set(session, []);
    void this.cluster.claim(session.id, session.token).then((result) => {
      const held = this.pending.get(session) ?? [];
      this.pending.delete(session);
      if (session.status === 'claiming') {
        session.status = 'open';
        this.done(session, result, held);
      } else if (result !== 'taken') {
        // Closed during the round trip: the id it just took must not linger until the TTL.
        this.cluster.release(session.id, session.token);
      }
    });
  }

  hold(session: PeerSession<Socket>, text: string): void {
    const held = this.pending.get(session);
    if (held && held.length < CLAIM_HOLD_LIMIT) held.push(text);
    else this.telemetry.dropped('any', 'claim-pending');
  }

  /** Connections still waiting for their claim. */
  sessions(): IterableIterator<PeerSession<Socket>> {
    return this.pending.keys();
  }
}
