// Ids whose connection closed lately, still bound to their token for idReserveMs, so a peer that watched an
// id (in SWARM-PEERS) cannot take it, and the messages queued for it, in the gap of a reconnect.
import type { SignalServerConfig } from '../config';

type Limits = Pick<SignalServerConfig, 'idReserveMs' | 'maxConnections'>;

export class IdReservations {
  /** Insertion order is deadline order (a re-reserved id is moved last); at most maxConnections entries. */
  private readonly reserved = new Map<string, { token: string; until: number }>();

  constructor(
    private readonly limits: Limits,
    private readonly now: () => number,
  ) {}

  reserve(id: string, token: string): void {
    if (this.limits.idReserveMs === 0 || this.reserved.size >= this.limits.maxConnections) return;
    this.reserved.delete(id);
    this.reserved.set(id, { token, until: this.now() + this.limits.idReserveMs });
  }

  /** The token `id` is still bound to, if its reservation has not run out. */
  tokenOf(id: string): string | undefined {
    const reservation = this.reserved.get(id);
    return reservation && reservation.until > this.now() ? reservation.token : undefined;
  }

  /** The id is connected again (with its token): nothing to hold any more. */
  release(id: string): void {
    this.reserved.delete(id);
  }

  /** Forgets the reservations that ran out (called by the sweep). */
  prune(): void {
    const now = this.now();
    for (const [id, { until }] of this.reserved) {
      if (until > now) break;
      this.reserved.delete(id);
    }
  }
}
