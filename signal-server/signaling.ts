// The signaling rules, apart from any socket: admit a connection, relay OFFER/ANSWER/CANDIDATE/LEAVE/EXPIRE
// with `src` set by the server, hold messages for absent peers, run swarms, enforce limits, sweep idlers.
// The transport (server.ts) feeds it text frames and events and lends it `send`/`close` (injected).
import { admitHandshake, type Handshake } from './admission';
import type { SignalServerConfig } from './config';
import { CloseCode, type ErrorReport, reportMessage } from './errors';
import { MessageQueue, type QueuedMessage } from './message-queue';
import { InMemoryPeerDirectory, type PeerDirectory } from './peer-directory';
import { createSession, type PeerSession } from './peer-session';
import { encodeServerMessage, parseClientMessage, type RelayType, withSrc } from './peerjs-messages';
import { type RankPeers, rankPeers } from './rank-peers';
import { fullBucket, type RateLimit, takeToken } from './rate-limiter';
import type { SignalStats, SignalTelemetry, Transport } from './signaling-ports';
import { SwarmMembership } from './swarm-membership';
import { InMemorySwarmRegistry, type SwarmRegistry } from './swarms';

export interface SignalingDeps<Socket> {
  transport: Transport<Socket>;
  telemetry?: SignalTelemetry;
  directory?: PeerDirectory<PeerSession<Socket>>;
  swarms?: SwarmRegistry;
  rank?: RankPeers;
  now?: () => number;
}

const OPEN = encodeServerMessage({ type: 'OPEN' });
const ignore = () => {};
const noTelemetry: SignalTelemetry = { relayed: ignore, dropped: ignore, rejected: ignore };

export class Signaling<Socket> {
  readonly directory: PeerDirectory<PeerSession<Socket>>;
  private readonly registry: SwarmRegistry;
  private readonly swarms: SwarmMembership<Socket>;
  private readonly queue: MessageQueue;
  private readonly transport: Transport<Socket>;
  private readonly telemetry: SignalTelemetry;
  private readonly now: () => number;
  private readonly rate: RateLimit;
  /** Open sockets, registered or not (a refused one counts until its close event). */
  private sockets = 0;
  private whenAllClosed: (() => void) | null = null;

  constructor(
    private readonly config: SignalServerConfig,
    deps: SignalingDeps<Socket>,
  ) {
    this.transport = deps.transport;
    this.telemetry = deps.telemetry ?? noTelemetry;
    this.directory = deps.directory ?? new InMemoryPeerDirectory();
    this.registry = deps.swarms ?? new InMemorySwarmRegistry();
    this.now = deps.now ?? Date.now;
    this.rate = { perSecond: config.maxMessagesPerSecond, burst: config.messageBurst };
    this.swarms = new SwarmMembership(config, {
      registry: this.registry,
      directory: this.directory,
      rank: deps.rank ?? rankPeers,
      send: (session, text) => this.send(session, text),
      error: (session, report) => this.error(session, report),
    });
    this.queue = new MessageQueue({
      maxPerPeer: config.maxQueuedPerPeer,
      maxTotal: config.maxQueuedTotal,
      timeoutMs: config.expireTimeoutMs,
    });
  }

  stats(): SignalStats {
    const { sockets: connections, directory, registry, queue } = this;
    return {
      connections,
      peers: directory.size,
      swarms: registry.swarmCount,
      members: registry.memberCount,
      queued: queue.size,
    };
  }

  /** At the upgrade: the session the socket will carry, marked with a rejection if it must be refused. */
  handshake(handshake: Handshake): PeerSession<Socket> {
    const now = this.now();
    const rejection = admitHandshake(handshake, this.config, this.sockets);
    return createSession(handshake.id, handshake.token, rejection, fullBucket(this.rate, now), now);
  }

  /** The socket is open: refuse it, or register the id (replacing a same-token reconnect) and say OPEN. */
  open(session: PeerSession<Socket>, socket: Socket): void {
    session.socket = socket;
    session.status = 'open';
    this.sockets++;
    const existing = this.directory.get(session.id);
    const rejection =
      session.rejection ??
      (existing && existing.token !== session.token
        ? { code: 'id-taken' as const, details: { id: session.id } }
        : null);
    if (rejection) {
      this.refuse(session, rejection);
      return;
    }
    if (existing) this.end(existing, CloseCode.replaced, { code: 'replaced', details: {} });
    this.directory.set(session.id, session);
    this.send(session, OPEN);
    for (const queued of this.queue.take(session.id)) this.deliver(queued, session);
  }

  /** One text frame from the client (already checked against maxPayloadBytes). */
  message(session: PeerSession<Socket>, text: string): void {
    if (session.status !== 'open') return;
    const now = this.now();
    session.lastSeenAt = now;
    const verdict = takeToken(session, this.rate, now);
    if (verdict !== 'allowed') {
      this.telemetry.dropped('any', 'rate-limited');
      if (verdict === 'limited') this.error(session, { code: 'rate-limited', details: this.rate });
      if (verdict === 'flood')
        this.violation(session, CloseCode.policyViolation, { code: 'flood', details: this.rate });
      return;
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.error(session, parsed.error);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'HEARTBEAT':
        break;
      case 'SWARM-JOIN':
        this.swarms.join(session, message.payload.swarm);
        break;
      case 'SWARM-LEAVE':
        this.swarms.leave(session, message.payload.swarm);
        break;
      default:
        this.relay(session, message.type, message.dst, text, now);
    }
  }

  binaryFrame(session: PeerSession<Socket>): void {
    this.violation(session, CloseCode.unsupportedData, { code: 'binary-frame', details: {} });
  }

  oversizedFrame(session: PeerSession<Socket>, size: number): void {
    const report: ErrorReport = {
      code: 'payload-too-large',
      details: { size, limit: this.config.maxPayloadBytes },
    };
    this.violation(session, CloseCode.messageTooBig, report);
  }

  /** The transport's close event (client, network or our own end()). Never touches the socket again. */
  closed(session: PeerSession<Socket>): void {
    const status = session.status;
    if (status === 'closed') return;
    session.status = 'closed';
    session.socket = null;
    if (status === 'connecting') return;
    if (status === 'open') this.detach(session);
    this.sockets--;
    if (this.sockets === 0) this.whenAllClosed?.();
  }

  /** Every sweepIntervalMs: closes idle connections and tells senders of expired messages (EXPIRE). */
  sweep(): void {
    const now = this.now();
    const idleSince = now - this.config.idleTimeoutMs;
    for (const session of this.directory.peers()) {
      if (session.lastSeenAt < idleSince) {
        this.end(session, CloseCode.idleTimeout, {
          code: 'idle-timeout',
          details: { idleMs: this.config.idleTimeoutMs },
        });
      }
    }
    const told = new Set<string>();
    for (const expired of this.queue.expire(now)) {
      this.telemetry.dropped(expired.type, 'expired');
      const pair = `${expired.src} ${expired.dst}`;
      if (told.has(pair)) continue;
      told.add(pair);
      this.tellSender(expired.src, 'EXPIRE', expired.dst);
    }
  }

  /** Ends every connection with 1001 "going away"; resolves once all sockets have closed. */
  shutdown(): Promise<void> {
    for (const session of this.directory.peers()) {
      this.end(session, CloseCode.goingAway, { code: 'going-away', details: {} });
    }
    this.queue.clear();
    if (this.sockets === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.whenAllClosed = resolve;
    });
  }

  private relay(from: PeerSession<Socket>, type: RelayType, dst: string, text: string, now: number): void {
    const message: QueuedMessage = { src: from.id, dst, type, text: withSrc(text, from.id), queuedAt: now };
    const target = this.directory.get(dst);
    if (target) {
      this.deliver(message, target);
    } else if (type === 'LEAVE' || type === 'EXPIRE') {
      // Like the reference server: only connection set-up waits for an absent peer.
      this.telemetry.dropped(type, 'peer-absent');
    } else if (this.queue.enqueue(message) !== 'queued') {
      this.telemetry.dropped(type, 'queue-full');
      this.send(from, encodeServerMessage({ type: 'EXPIRE', src: dst, dst: from.id }));
    }
  }

  private deliver(message: QueuedMessage, target: PeerSession<Socket>): void {
    if (this.send(target, message.text)) {
      this.telemetry.relayed(message.type);
      return;
    }
    this.telemetry.dropped(message.type, 'slow-reader');
    // The target is gone or being dropped: tell the sender, as the reference server does, with LEAVE.
    if (message.type !== 'LEAVE' && message.type !== 'EXPIRE')
      this.tellSender(message.src, 'LEAVE', target.id);
  }

  private tellSender(sender: string, type: 'LEAVE' | 'EXPIRE', about: string): void {
    const session = this.directory.get(sender);
    if (session) this.send(session, encodeServerMessage({ type, src: about, dst: sender }));
  }

  /** Sends unless the socket is gone or its reader is too slow, in which case it is closed. */
  private send(session: PeerSession<Socket>, text: string): boolean {
    const socket = session.socket;
    if (session.status !== 'open' || socket === null) return false;
    const buffered = this.transport.bufferedAmount(socket);
    const limit = this.config.maxBufferedBytes;
    if (buffered <= limit && this.transport.send(socket, text) !== 'dropped') return true;
    this.end(session, CloseCode.slowReader, {
      code: 'slow-reader',
      details: { bufferedBytes: buffered, limit },
    });
    return false;
  }

  /** Non-fatal unless followed by end(): tells the client what was wrong, with a stable code. */
  private error(
    session: PeerSession<Socket>,
    report: ErrorReport,
    type: 'ERROR' | 'ID-TAKEN' | 'INVALID-KEY' = 'ERROR',
  ): void {
    this.telemetry.rejected(report.code);
    const payload = { msg: reportMessage(report), code: report.code };
    this.send(session, encodeServerMessage({ type, payload }));
  }

  /** Fatal: ERROR, then close with the code as the reason. */
  private violation(session: PeerSession<Socket>, closeCode: CloseCode, report: ErrorReport): void {
    this.error(session, report);
    this.end(session, closeCode, report, false);
  }

  /** Handshake refusals use the message types the peerjs client reacts to (ID-TAKEN, INVALID-KEY). */
  private refuse(session: PeerSession<Socket>, report: ErrorReport): void {
    const { code } = report;
    this.error(
      session,
      report,
      code === 'id-taken' ? 'ID-TAKEN' : code === 'invalid-key' ? 'INVALID-KEY' : 'ERROR',
    );
    this.end(session, code === 'server-full' ? CloseCode.tryAgainLater : CloseCode.rejected, report, false);
  }

  /** Server-initiated close: unregisters at once (the close event may come later), then ends the socket. */
  private end(session: PeerSession<Socket>, closeCode: CloseCode, report: ErrorReport, count = true): void {
    const socket = session.socket;
    if (session.status !== 'open' || socket === null) return;
    if (count) this.telemetry.rejected(report.code);
    session.status = 'closing';
    this.detach(session);
    this.transport.close(socket, closeCode, report.code);
  }

  private detach(session: PeerSession<Socket>): void {
    this.directory.delete(session.id, session);
    this.swarms.leaveAll(session);
  }
}
