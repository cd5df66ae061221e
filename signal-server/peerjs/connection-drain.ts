// Ending a process's connections gracefully: every peer told to RECONNECT at its own moment within the spread and
// closed 1001 then, newcomers turned away; and the count of open sockets that says when all of them are gone.
import { encodeReconnectMessage } from '../../protocol/signaling/reconnect-message';
import { CloseCode } from '../../protocol/signaling/signal-errors';
import type { SignalServerConfig } from '../config';
import { DrainSchedule } from './drain-schedule';
import type { PeerSession } from './peer-session';
import type { SessionOutput } from './session-output';

export class ConnectionDrain<Socket> {
  /** Set once draining: when each peer told to RECONNECT is closed. */
  private queue: DrainSchedule<PeerSession<Socket>> | null = null;
  /** Open sockets, registered or not (a refused one counts until its close event). */
  private sockets = 0;
  private whenAllClosed: (() => void) | null = null;
  private allClosedPromise: Promise<void> | null = null;

  constructor(
    private readonly config: Pick<SignalServerConfig, 'drainSpreadMs'>,
    private readonly output: SessionOutput<Socket>,
    private readonly now: () => number,
  ) {}

  get openSockets(): number {
    return this.sockets;
  }

  get draining(): boolean {
    return this.queue !== null;
  }

  opened(): void {
    this.sockets++;
  }

  closed(): void {
    this.sockets--;
    if (this.sockets === 0) {
      this.whenAllClosed?.();
      this.allClosedPromise = null;
    }
  }

  /** Tells each of `peers` when to RECONNECT (once: a second drain changes nothing); resolves when all closed. */
  start(peers: Iterable<PeerSession<Socket>>, spreadMs: number, random: () => number): Promise<void> {
    if (!this.queue) {
      const now = this.now();
      this.queue = new DrainSchedule(peers, now, spreadMs, random);
      for (const [session, afterMs] of this.queue.delays(now))
        this.output.send(session, encodeReconnectMessage(afterMs));
    }
    return this.allClosed();
  }

  /** Closes the drained peers whose delay has passed; ms until the next one is due, or null when none is left. */
  closeDue(): number | null {
    const now = this.now();
    for (const session of this.queue?.takeDue(now) ?? [])
      this.output.end(session, CloseCode.goingAway, { code: 'going-away', details: {} });
    return this.queue?.nextIn(now) ?? null;
  }

  /** A connection opened while draining: told to RECONNECT (elsewhere) and closed. */
  turnAway(session: PeerSession<Socket>): void {
    this.output.send(session, encodeReconnectMessage(Math.floor(Math.random() * this.config.drainSpreadMs)));
    this.output.end(session, CloseCode.goingAway, { code: 'draining', details: {} });
  }

  allClosed(): Promise<void> {
    if (this.sockets === 0) return Promise.resolve();
    this.allClosedPromise ??= new Promise((resolve) => {
      this.whenAllClosed = resolve;
    });
    return this.allClosedPromise;
  }
}
