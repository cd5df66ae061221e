// How the signaling rules talk to one connection and end it: sends that close a reader too slow to keep up,
// ERROR with a stable code, fatal violations, handshake refusals, server-initiated closes and idle closes.
import { encodeServerMessage } from '../../protocol/signaling/peerjs-messages';
import { CloseCode, type SignalErrorReport } from '../../protocol/signaling/signal-errors';
import type { SignalServerConfig } from '../config';
import { reportMessage } from '../errors';
import type { SignalTelemetry, Transport } from '../signaling-ports';
import type { PeerSession } from './peer-session';

export interface SessionOutputDeps<Socket> {
  transport: Transport<Socket>;
  telemetry: SignalTelemetry;
  /** Takes a session the server ends out of the directory, its swarms and its id's ownership. */
  detach(session: PeerSession<Socket>): void;
}

export class SessionOutput<Socket> {
  constructor(
    private readonly config: Pick<SignalServerConfig, 'maxBufferedBytes' | 'idleTimeoutMs'>,
    private readonly deps: SessionOutputDeps<Socket>,
  ) {}

  /** Sends unless the socket is gone or its reader is too slow, in which case it is closed. */
  send(session: PeerSession<Socket>, text: string): boolean {
    const socket = session.socket;
    if (session.status !== 'open' || socket === null) return false;
    const buffered = this.deps.transport.bufferedAmount(socket);
    const limit = this.config.maxBufferedBytes;
    if (buffered <= limit && this.deps.transport.send(socket, text) !== 'dropped') return true;
    this.end(session, CloseCode.slowReader, {
      code: 'slow-reader',
      details: { bufferedBytes: buffered, limit },
    });
    return false;
  }

  /** Non-fatal unless followed by end(): tells the client what was wrong, with a stable code. */
  error(
    session: PeerSession<Socket>,
    report: SignalErrorReport,
    type: 'ERROR' | 'ID-TAKEN' | 'INVALID-KEY' = 'ERROR',
  ): void {
    this.deps.telemetry.rejected(report.code);
    const payload = { msg: reportMessage(report), code: report.code };
    this.send(session, encodeServerMessage({ type, payload }));
  }

  /** Fatal: ERROR, then close with the code as the reason. */
  violation(session: PeerSession<Socket>, closeCode: CloseCode, report: SignalErrorReport): void {
    this.error(session, report);
    this.end(session, closeCode, report, false);
  }

  /** Handshake refusals use the message types the peerjs client reacts to (ID-TAKEN, INVALID-KEY). */
  refuse(session: PeerSession<Socket>, report: SignalErrorReport): void {
    const { code } = report;
    this.error(
      session,
      report,
      code === 'id-taken' ? 'ID-TAKEN' : code === 'invalid-key' ? 'INVALID-KEY' : 'ERROR',
    );
    const busy = code === 'server-full' || code === 'too-many-connections';
    this.end(session, busy ? CloseCode.tryAgainLater : CloseCode.rejected, report, false);
  }

  /** The sweep: ends each of `sessions` that sent nothing for idleTimeoutMs with 4002 idle-timeout. */
  endIdle(sessions: Iterable<PeerSession<Socket>>, now: number): void {
    const idleMs = this.config.idleTimeoutMs;
    for (const session of sessions)
      if (session.lastSeenAt < now - idleMs)
        this.end(session, CloseCode.idleTimeout, { code: 'idle-timeout', details: { idleMs } });
  }

  /** Server-initiated close: unregisters at once (the close event may come later), then ends the socket. */
  end(session: PeerSession<Socket>, closeCode: CloseCode, report: SignalErrorReport, count = true): void {
    const socket = session.socket;
    if (session.status !== 'open' || socket === null) return;
    if (count) this.deps.telemetry.rejected(report.code);
    session.status = 'closing';
    this.deps.detach(session);
    this.deps.transport.close(socket, closeCode, report.code);
  }
}
