// The signaling rules, apart from any socket: admit a connection, relay OFFER/ANSWER/CANDIDATE/LEAVE/EXPIRE
// with `src` set by the server, hold messages for absent peers, run swarms, enforce limits, sweep idlers, drain.
// The transport (server.ts) feeds it text frames and events and lends it `send`/`close` (injected); in cluster
// mode a ClusterPort reaches peers on other processes (its ClusterInbox is built on `delivery` and `evict`).

import {
  encodeServerMessage,
  parseClientMessage,
  type RelayType,
  withSrc,
} from '../protocol/signaling/peerjs-messages';
import { encodeReconnectMessage } from '../protocol/signaling/reconnect-message';
import { CloseCode, type SignalErrorReport } from '../protocol/signaling/signal-errors';
import {
  type AdmissionPolicy,
  admitHandshake,
  createAdmissionPolicy,
  type Handshake,
} from './access/admission';
import { IpLimits } from './access/ip-limits';
import { fullBucket, type RateLimit, takeToken } from './access/rate-limiter';
import { IdClaims } from './cluster/id-claims';
import type { SignalServerConfig } from './config';
import { reportMessage } from './errors';
import { Delivery } from './peerjs/delivery';
import { DrainSchedule } from './peerjs/drain-schedule';
import { IdReservations } from './peerjs/id-reservations';
import { InMemoryPeerDirectory, type PeerDirectory } from './peerjs/peer-directory';
import { createSession, type PeerSession } from './peerjs/peer-session';
import type { ClaimResult, ClusterPort, SignalStats, SignalTelemetry, Transport } from './signaling-ports';
import { type RankPeers, rankPeers } from './swarms/rank-peers';
import { maySignal } from './swarms/swarm-contacts';
import { SwarmMembership } from './swarms/swarm-membership';
import { InMemorySwarmRegistry, type SwarmRegistry } from './swarms/swarms';
import { HashExchange, type HashExchangeDeps } from './trust/hash-exchange';

export interface SignalingDeps<Socket> {
  transport: Transport<Socket>;
  telemetry?: SignalTelemetry;
  directory?: PeerDirectory<PeerSession<Socket>>;
  swarms?: SwarmRegistry;
  rank?: RankPeers;
  now?: () => number;
  /** Cluster mode (Redis); without it everything stays in this process. */
  cluster?: ClusterPort;
  /** Keys, origins (built from config when absent; server.ts shares its one with the HTTP routes). */
  admission?: AdmissionPolicy;
  /** Segment hashes: telemetry, operator log, the Redis ledger in cluster mode (see hash-exchange.ts). */
  hashes?: Omit<HashExchangeDeps<Socket>, 'send' | 'now' | 'isLive'>;
}

const OPEN = encodeServerMessage({ type: 'OPEN' });
const ignore = () => {};
const noTelemetry: SignalTelemetry = { relayed: ignore, dropped: ignore, rejected: ignore };
/** The relays swarmOnlySignaling gates: connection set-up. LEAVE and EXPIRE only end what exists. */
const SETUP_TYPES: ReadonlySet<RelayType> = new Set(['OFFER', 'ANSWER', 'CANDIDATE']);

export class Signaling<Socket> {
  readonly directory: PeerDirectory<PeerSession<Socket>>;
  readonly registry: SwarmRegistry;
  /** Also what the cluster (cluster mode) hands messages from other processes to. */
  readonly delivery: Delivery<Socket>;
  /** SEGMENT-HASH, SEGMENT-HASH-QUERY, PEER-REPORT; also what the cluster hands accepted hashes to. */
  readonly hashes: HashExchange<Socket>;
  private readonly membership: SwarmMembership<Socket>;
  private readonly transport: Transport<Socket>;
  private readonly telemetry: SignalTelemetry;
  private readonly now: () => number;
  private readonly rate: RateLimit;
  private readonly cluster: ClusterPort | undefined;
  private readonly claims: IdClaims<Socket> | undefined;
  private readonly admission: AdmissionPolicy;
  private readonly ipLimits: IpLimits;
  /** Single process: in cluster mode the id is released in Redis at close instead. */
  private readonly reserved: IdReservations;
  /** Set once draining: when each peer told to RECONNECT is closed. */
  private drainQueue: DrainSchedule<PeerSession<Socket>> | null = null;
  /** Open sockets, registered or not (a refused one counts until its close event). */
  private sockets = 0;
  private whenAllClosed: (() => void) | null = null;
  private allClosedPromise: Promise<void> | null = null;

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
    this.cluster = deps.cluster;
    this.admission = deps.admission ?? createAdmissionPolicy(config);
    this.ipLimits = new IpLimits(config);
    this.reserved = new IdReservations(config, this.now);
    this.claims =
      deps.cluster &&
      new IdClaims(deps.cluster, this.telemetry, (session, result, held) =>
        this.claimed(session, result, held),
      );
    const send = (session: PeerSession<Socket>, text: string) => this.send(session, text);
    this.delivery = new Delivery(config, {
      directory: this.directory,
      send,
      telemetry: this.telemetry,
      now: this.now,
      cluster: this.cluster,
    });
    this.hashes = new HashExchange(config, {
      ...deps.hashes,
      send,
      now: this.now,
      isLive: (swarm) => this.registry.sample(swarm, 1, '').length > 0,
    });
    this.membership = new SwarmMembership(config, {
      registry: this.registry,
      directory: this.directory,
      rank: deps.rank ?? rankPeers,
      send,
      error: (session, report) => this.error(session, report),
      excluded: (swarm, peer) => this.hashes.isExcluded(swarm, peer),
      ...(this.cluster && {
        remote: {
          cluster: this.cluster,
          sendTo: (id: string, text: string) => this.delivery.sendTo(id, text),
        },
      }),
    });
  }

  stats(): SignalStats {
    const { sockets: connections, directory, registry, delivery } = this;
    return {
      connections,
      peers: directory.size,
      swarms: registry.swarmCount,
      members: registry.memberCount,
      queued: delivery.queued,
    };
  }

  /** At the upgrade: the session the socket will carry, marked with a rejection if it must be refused. */
  handshake(handshake: Handshake): PeerSession<Socket> {
    const now = this.now();
    const load = { openSockets: this.sockets, ipAllowed: this.ipLimits.mayConnect(handshake.ip) };
    const rejection = admitHandshake(handshake, this.admission, load, now);
    const { id, token, ip } = handshake;
    return createSession(id, token, ip, rejection, fullBucket(this.rate, now), now);
  }

  /**
   * The socket is open: refuse it, or register the id (replacing a same-token reconnect) and say OPEN.
   * In cluster mode the id is first claimed in Redis, so it is unique across processes.
   */
  open(session: PeerSession<Socket>, socket: Socket): void {
    session.socket = socket;
    session.status = 'open';
    this.sockets++;
    this.ipLimits.opened(session.ip, this.now());
    if (this.drainQueue) {
      this.turnAway(session);
      return;
    }
    const rejection = session.rejection ?? this.localConflict(session);
    if (rejection) this.refuse(session, rejection);
    else if (this.claims) this.claims.start(session);
    else this.admit(session);
  }

  private localConflict(session: PeerSession<Socket>): SignalErrorReport | null {
    const token = this.directory.get(session.id)?.token ?? this.reserved.tokenOf(session.id);
    return token !== undefined && token !== session.token
      ? { code: 'id-taken', details: { id: session.id } }
      : null;
  }

  private admit(session: PeerSession<Socket>): void {
    const existing = this.directory.get(session.id);
    // Registered before the old one is ended, so ending it does not release the id (cluster mode).
    this.directory.set(session.id, session);
    this.reserved.release(session.id);
    if (existing) {
      // A reconnect keeps its contacts: candidates for a connection set up before it must still pass.
      session.contacts = existing.contacts;
      this.end(existing, CloseCode.replaced, { code: 'replaced', details: {} });
    }
    this.send(session, OPEN);
    this.delivery.admitted(session);
  }

  private claimed(session: PeerSession<Socket>, result: ClaimResult, held: string[]): void {
    const taken: SignalErrorReport = { code: 'id-taken', details: { id: session.id } };
    const rejection = result === 'taken' ? taken : this.localConflict(session);
    if ((rejection || this.drainQueue) && result === 'claimed')
      this.cluster?.release(session.id, session.token);
    if (rejection) this.refuse(session, rejection);
    else if (this.drainQueue) this.turnAway(session);
    else {
      this.admit(session);
      for (const text of held) this.message(session, text);
    }
  }

  /** One text frame from the client (already checked against maxPayloadBytes). */
  message(session: PeerSession<Socket>, text: string): void {
    if (session.status !== 'open') {
      if (session.status === 'claiming') this.claims?.hold(session, text);
      return;
    }
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
    // The same flood spread over many sockets from one address: one bucket for all of them.
    const ipVerdict = this.ipLimits.takeMessage(session.ip, now);
    if (ipVerdict !== 'allowed') {
      this.telemetry.dropped('any', 'ip-rate-limited');
      const rate = this.ipLimits.messageRate;
      if (ipVerdict === 'limited' && rate) this.error(session, { code: 'ip-rate-limited', details: rate });
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
        this.join(session, message.payload.swarm);
        break;
      case 'SWARM-LEAVE':
        this.membership.leave(session, message.payload.swarm);
        break;
      case 'SEGMENT-HASH':
      case 'SEGMENT-HASH-QUERY':
      case 'PEER-REPORT':
        this.hashes.handle(session, message);
        break;
      default: {
        const { type, dst } = message;
        if (
          SETUP_TYPES.has(type) &&
          this.config.swarmOnlySignaling &&
          !maySignal(session, dst, this.directory.get(dst), this.cluster !== undefined)
        ) {
          this.telemetry.dropped(type, 'not-in-swarm');
          this.error(session, { code: 'not-in-swarm', details: { dst } });
          return;
        }
        this.delivery.relay({ src: session.id, dst, type, text: withSrc(text, session.id), queuedAt: now });
      }
    }
  }

  /**
   * A first join announces the newcomer to up to swarmAnnounceLimit members: it costs that many messages
   * from the joiner's bucket, so what goes out never exceeds what the joiner may send (no amplification).
   */
  private join(session: PeerSession<Socket>, swarm: string): void {
    const wasMember = session.swarms?.includes(swarm) ?? false;
    this.membership.join(session, swarm);
    if (!wasMember && session.swarms?.includes(swarm)) session.tokens -= this.config.swarmAnnounceLimit;
  }

  binaryFrame(session: PeerSession<Socket>): void {
    this.violation(session, CloseCode.unsupportedData, { code: 'binary-frame', details: {} });
  }

  oversizedFrame(session: PeerSession<Socket>, size: number): void {
    const report: SignalErrorReport = {
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
    this.ipLimits.closed(session.ip);
    if (this.sockets === 0) {
      this.whenAllClosed?.();
      this.allClosedPromise = null;
    }
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
    this.delivery.expire();
    this.reserved.prune();
    this.hashes.sweep();
  }

  /** Ends every connection with 1001 "going away"; resolves once all sockets have closed. */
  shutdown(): Promise<void> {
    const goingAway: SignalErrorReport = { code: 'going-away', details: {} };
    for (const session of this.directory.peers()) this.end(session, CloseCode.goingAway, goingAway);
    for (const session of this.claims?.sessions() ?? []) {
      session.status = 'open';
      this.end(session, CloseCode.goingAway, goingAway);
    }
    this.delivery.clear();
    return this.allClosed();
  }

  /**
   * Graceful drain: every peer gets RECONNECT with its own random delay within `spreadMs` (so the other
   * processes are not stampeded) and is closed 1001 then by closeDrained(); new connections are turned away.
   */
  drain(spreadMs: number, random: () => number = Math.random): Promise<void> {
    if (!this.drainQueue) {
      const now = this.now();
      this.drainQueue = new DrainSchedule(this.directory.peers(), now, spreadMs, random);
      for (const [session, afterMs] of this.drainQueue.delays(now))
        this.send(session, encodeReconnectMessage(afterMs));
    }
    return this.allClosed();
  }

  /** Closes the drained peers whose delay has passed; ms until the next one is due, or null when none is left. */
  closeDrained(): number | null {
    const now = this.now();
    for (const session of this.drainQueue?.takeDue(now) ?? [])
      this.end(session, CloseCode.goingAway, { code: 'going-away', details: {} });
    return this.drainQueue?.nextIn(now) ?? null;
  }

  /** A connection opened while draining: told to RECONNECT (elsewhere) and closed. */
  private turnAway(session: PeerSession<Socket>): void {
    this.send(session, encodeReconnectMessage(Math.floor(Math.random() * this.config.drainSpreadMs)));
    this.end(session, CloseCode.goingAway, { code: 'draining', details: {} });
  }

  private allClosed(): Promise<void> {
    if (this.sockets === 0) return Promise.resolve();
    this.allClosedPromise ??= new Promise((resolve) => {
      this.whenAllClosed = resolve;
    });
    return this.allClosedPromise;
  }

  /** Cluster mode: another process now holds `id` (claimed with `token`); ends the connection here, if any. */
  evict(id: string, token: string): void {
    const session = this.directory.get(id);
    if (!session) return;
    // The id lives on elsewhere: neither release it nor take it out of its swarms there.
    this.directory.delete(id, session);
    this.membership.leaveAll(session, false);
    if (token === session.token) this.end(session, CloseCode.replaced, { code: 'replaced', details: {} });
    else this.end(session, CloseCode.rejected, { code: 'id-taken', details: { id } });
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
    report: SignalErrorReport,
    type: 'ERROR' | 'ID-TAKEN' | 'INVALID-KEY' = 'ERROR',
  ): void {
    this.telemetry.rejected(report.code);
    const payload = { msg: reportMessage(report), code: report.code };
    this.send(session, encodeServerMessage({ type, payload }));
  }

  /** Fatal: ERROR, then close with the code as the reason. */
  private violation(session: PeerSession<Socket>, closeCode: CloseCode, report: SignalErrorReport): void {
    this.error(session, report);
    this.end(session, closeCode, report, false);
  }

  /** Handshake refusals use the message types the peerjs client reacts to (ID-TAKEN, INVALID-KEY). */
  private refuse(session: PeerSession<Socket>, report: SignalErrorReport): void {
    const { code } = report;
    this.error(
      session,
      report,
      code === 'id-taken' ? 'ID-TAKEN' : code === 'invalid-key' ? 'INVALID-KEY' : 'ERROR',
    );
    const busy = code === 'server-full' || code === 'too-many-connections';
    this.end(session, busy ? CloseCode.tryAgainLater : CloseCode.rejected, report, false);
  }

  /** Server-initiated close: unregisters at once (the close event may come later), then ends the socket. */
  private end(
    session: PeerSession<Socket>,
    closeCode: CloseCode,
    report: SignalErrorReport,
    count = true,
  ): void {
    const socket = session.socket;
    if (session.status !== 'open' || socket === null) return;
    if (count) this.telemetry.rejected(report.code);
    session.status = 'closing';
    this.detach(session);
    this.transport.close(socket, closeCode, report.code);
  }

  private detach(session: PeerSession<Socket>): void {
    const registered = this.directory.get(session.id) === session;
    this.directory.delete(session.id, session);
    this.membership.leaveAll(session);
    this.hashes.closed(session);
    if (!registered) return;
    if (this.cluster) this.cluster.release(session.id, session.token);
    else this.reserved.reserve(session.id, session.token);
  }
}
