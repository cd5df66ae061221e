// What this process remembers of each QoE session it heard from: the last seq (duplicates), the time it may
// still claim (plausibility), its report bucket (rate), its labels. Bounded in number and in age; kept in
// order of the last report, so the oldest (or most silent) go first.
import type { TokenBucket } from '../access/rate-limiter';
import type { SignalServerConfig } from '../config';

/** What the GeoIP lookup says of a client address (see StartOptions.describeClient); {} when unknown. */
export interface ClientDescription {
  asn?: number;
  country?: string;
}

export interface QoeSession extends TokenBucket {
  id: string;
  /** Highest seq accepted here (0: none yet). */
  lastSeq: number;
  /** Server time (ms) of the last accepted report, or of creation. */
  lastAt: number;
  /** Seconds of period the session may still claim: time passed here that its reports have not covered yet. */
  budgetSec: number;
  /** The client's sessionSec at its last accepted report: it never goes back. */
  sessionSec: number;
  client: ClientDescription;
  /** Swarms it reported from (the last few): each counts once toward the top swarms. */
  swarms: string[];
  startupSeen: boolean;
  /** Its final report came: later ones are refused. */
  ended: boolean;
}

export type QoeSessionsConfig = Pick<SignalServerConfig, 'qoeMaxSessions' | 'qoeSessionTtlMs'>;

export class QoeSessions {
  private readonly sessions = new Map<string, QoeSession>();

  constructor(private readonly config: QoeSessionsConfig) {}

  get size(): number {
    return this.sessions.size;
  }

  /** The session `id`, unless it was forgotten (evicted, or silent for qoeSessionTtlMs). */
  get(id: string, now: number): QoeSession | undefined {
    this.prune(now);
    return this.sessions.get(id);
  }

  /** Adds a session, or moves it to the newest place after an accepted report; the oldest beyond the bound go. */
  touch(session: QoeSession, now: number): void {
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
    this.prune(now);
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.config.qoeMaxSessions) break;
      this.sessions.delete(oldest);
    }
  }

  /** Forgets the silent sessions: they lead the map (touched in report order), so this stops at the first live one. */
  private prune(now: number): void {
    const silentSince = now - this.config.qoeSessionTtlMs;
    for (const session of this.sessions.values()) {
      if (session.lastAt >= silentSince) break;
      this.sessions.delete(session.id);
    }
  }
}
