// The signaling rules, apart from any socket: admit a connection, relay OFFER/ANSWER/CANDIDATE/LEAVE/EXPIRE
// with `src` set by the server, hold messages for absent peers, run swarms, enforce limits, sweep idlers, drain.
// The transport (server.ts) feeds it text frames and events and lends it `send`/`close` (injected); in cluster
// mode a ClusterPort reaches peers on other processes (its ClusterInbox is built on `delivery` and `evict`).

import { encodeServerMessage } from '../protocol/signaling/peerjs-messages';
import { CloseCode, type SignalErrorReport } from '../protocol/signaling/signal-errors';
import {
  type AdmissionPolicy,
  admitHandshake,
  createAdmissionPolicy,
  type Handshake,
} from './access/admission';
import { IpLimits } from './access/ip-limits';
import { fullBucket, type RateLimit } from './access/rate-limiter';
import { IdClaims } from './cluster/id-claims';
import type { SignalServerConfig } from './config';
import { ConnectionDrain } from './peerjs/connection-drain';
import { Delivery } from './peerjs/delivery';
import { IdReservations } from './peerjs/id-reservations';
import { InboundMessages, type InboundMessagesDeps } from './peerjs/inbound-messages';
import { InMemoryPeerDirectory, type PeerDirectory } from './peerjs/peer-directory';
import { createSession, type PeerSession } from './peerjs/peer-session';
import { SessionOutput } from './peerjs/session-output';
import type { ClaimResult, ClusterPort, SignalStats, SignalTelemetry, Transport } from './signaling-ports';
import { SwarmMembership, type SwarmMembershipDeps } from './swarms/swarm-membership';
import { InMemorySwarmRegistry, type SwarmRegistry } from './swarms/swarms';
import { HashExchange, type HashExchangeDeps } from './trust/hash-exchange';

export interface SignalingDeps<Socket> {
  transport: Transport<Socket>;
  telemetry?: SignalTelemetry;
  directory?: PeerDirectory<PeerSession<Socket>>;
  swarms?: SwarmRegistry;
  /** The ranking (default: config.ranking's) and the GeoIP lookup (default none: every network unknown). */
  matching?: Pick<SwarmMembershipDeps<Socket>, 'rank' | 'geo'>;
  now?: () => number;
  /** Cluster mode (Redis); without it everything stays in this process. */
  cluster?: ClusterPort;
  /** Keys, origins (built from config when absent; server.ts shares its one with the HTTP routes). */
  admission?: AdmissionPolicy;
  /** Segment hashes: telemetry, operator log, the Redis ledger in cluster mode (see hash-exchange.ts). */
  hashes?: Omit<HashExchangeDeps<Socket>, 'send' | 'now' | 'isLive'>;
  /** Viewers' QoE reports (qoe/qoe-reports.ts); without it QOE-REPORT is ignored. */
  qoe?: InboundMessagesDeps<Socket>['qoe'];
}

const OPEN = encodeServerMessage({ type: 'OPEN' });
const ignore = () => {};
const noTelemetry: SignalTelemetry = { relayed: ignore, dropped: ignore, rejected: ignore };

export class Signaling<Socket> {
  readonly directory: PeerDirectory<PeerSession<Socket>>;
  readonly registry: SwarmRegistry;
  /** Also what the cluster (cluster mode) hands messages from other processes to. */
  readonly delivery: Delivery<Socket>;
  /** SEGMENT-HASH, SEGMENT-HASH-QUERY, PEER-REPORT; also what the cluster hands accepted hashes to. */
  readonly hashes: HashExchange<Socket>;
  private readonly membership: SwarmMembership<Socket>;
  private readonly output: SessionOutput<Socket>;
  private readonly inbound: InboundMessages<Socket>;
  private readonly now: () => number;
  private readonly rate: RateLimit;
  private readonly cluster: ClusterPort | undefined;
  private readonly claims: IdClaims<Socket> | undefined;
  private readonly admission: AdmissionPolicy;
  private readonly ipLimits: IpLimits;
  /** Single process: in cluster mode the id is released in Redis at close instead. */
  private readonly reserved: IdReservations;
  private readonly drainer: ConnectionDrain<Socket>;

  constructor(config: SignalServerConfig, deps: SignalingDeps<Socket>) {
    const telemetry = deps.telemetry ?? noTelemetry;
    this.now = deps.now ?? Date.now;
    this.output = new SessionOutput(config, {
      transport: deps.transport,
      telemetry,
      detach: (session) => this.detach(session),
    });
    this.drainer = new ConnectionDrain(config, this.output, this.now);
    this.directory = deps.directory ?? new InMemoryPeerDirectory();
    this.registry = deps.swarms ?? new InMemorySwarmRegistry();
    this.rate = { perSecond: config.maxMessagesPerSecond, burst: config.messageBurst };
    this.cluster = deps.cluster;
    this.admission = deps.admission ?? createAdmissionPolicy(config);
    this.ipLimits = new IpLimits(config);
    this.reserved = new IdReservations(config, this.now);
    this.claims =
      deps.cluster &&
      new IdClaims(deps.cluster, telemetry, (session, result, held) => this.claimed(session, result, held));
    const send = (session: PeerSession<Socket>, text: string) => this.output.send(session, text);
    this.delivery = new Delivery(config, {
      directory: this.directory,
      send,
      telemetry,
      now: this.now,
      cluster: this.cluster,
    });
    this.hashes = new HashExchange(config, {
      ...deps.hashes,
      send,
      now: this.now,
      isLive: (swarm) => this.registry.sample(swarm, 1, '').length > 0,
    });
    const sendTo = (id: string, text: string) => this.delivery.sendTo(id, text);
    this.membership = new SwarmMembership(config, {
      registry: this.registry,
      directory: this.directory,
      ...deps.matching,
      telemetry,
      send,
      error: (session, report) => this.output.error(session, report),
      excluded: (swarm, peer) => this.hashes.isExcluded(swarm, peer),
      ...(this.cluster && {
        remote: { cluster: this.cluster, sendTo },
      }),
    });
    this.inbound = new InboundMessages(config, {
      rate: this.rate,
      ipLimits: this.ipLimits,
      telemetry,
      output: this.output,
      directory: this.directory,
      delivery: this.delivery,
      membership: this.membership,
      hashes: this.hashes,
      qoe: deps.qoe,
      clustered: this.cluster !== undefined,
    });
  }

  stats(): SignalStats {
    const { directory, registry, delivery } = this;
    return {
      connections: this.drainer.openSockets,
      peers: directory.size,
      swarms: registry.swarmCount,
      members: registry.memberCount,
      queued: delivery.queued,
    };
  }

  /** At the upgrade: the session the socket will carry, marked with a rejection if it must be refused. */
  handshake(handshake: Handshake): PeerSession<Socket> {
    const now = this.now();
    const load = { openSockets: this.drainer.openSockets, ipAllowed: this.ipLimits.mayConnect(handshake.ip) };
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
    this.drainer.opened();
    this.ipLimits.opened(session.ip, this.now());
    if (this.drainer.draining) {
      this.drainer.turnAway(session);
      return;
    }
    const rejection = session.rejection ?? this.localConflict(session);
    if (rejection) this.output.refuse(session, rejection);
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
      this.output.end(existing, CloseCode.replaced, { code: 'replaced', details: {} });
    }
    this.output.send(session, OPEN);
    this.delivery.admitted(session);
  }

  private claimed(session: PeerSession<Socket>, result: ClaimResult, held: string[]): void {
    const taken: SignalErrorReport = { code: 'id-taken', details: { id: session.id } };
    const rejection = result === 'taken' ? taken : this.localConflict(session);
    if ((rejection || this.drainer.draining) && result === 'claimed')
      this.cluster?.release(session.id, session.token);
    if (rejection) this.output.refuse(session, rejection);
    else if (this.drainer.draining) this.drainer.turnAway(session);
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
    this.inbound.handle(session, text, now);
  }

  binaryFrame(session: PeerSession<Socket>): void {
    this.inbound.binaryFrame(session);
  }

  oversizedFrame(session: PeerSession<Socket>, size: number): void {
    this.inbound.oversizedFrame(session, size);
  }

  /** The transport's close event (client, network or our own end()). Never touches the socket again. */
  closed(session: PeerSession<Socket>): void {
    const status = session.status;
    if (status === 'closed') return;
    session.status = 'closed';
    session.socket = null;
    if (status === 'connecting') return;
    if (status === 'open') this.detach(session);
    this.ipLimits.closed(session.ip);
    this.drainer.closed();
  }

  /** Every sweepIntervalMs: closes idle connections and tells senders of expired messages (EXPIRE). */
  sweep(): void {
    this.output.endIdle(this.directory.peers(), this.now());
    this.delivery.expire();
    this.reserved.prune();
    this.hashes.sweep();
  }

  /** Ends every connection with 1001 "going away"; resolves once all sockets have closed. */
  shutdown(): Promise<void> {
    const goingAway: SignalErrorReport = { code: 'going-away', details: {} };
    for (const session of this.directory.peers()) this.output.end(session, CloseCode.goingAway, goingAway);
    for (const session of this.claims?.sessions() ?? []) {
      session.status = 'open';
      this.output.end(session, CloseCode.goingAway, goingAway);
    }
    this.delivery.clear();
    return this.drainer.allClosed();
  }

  /**
   * Graceful drain: every peer gets RECONNECT with its own random delay within `spreadMs` (so the other
   * processes are not stampeded) and is closed 1001 then by closeDrained(); new connections are turned away.
   */
  drain(spreadMs: number, random: () => number = Math.random): Promise<void> {
    return this.drainer.start(this.directory.peers(), spreadMs, random);
  }

  /** Closes the drained peers whose delay has passed; ms until the next one is due, or null when none is left. */
  closeDrained(): number | null {
    return this.drainer.closeDue();
  }

  /** Cluster mode: another process now holds `id` (claimed with `token`); ends the connection here, if any. */
  evict(id: string, token: string): void {
    const session = this.directory.get(id);
    if (!session) return;
    // The id lives on elsewhere: neither release it nor take it out of its swarms there.
    this.directory.delete(id, session);
    this.membership.leaveAll(session, false);
    if (token === session.token)
      this.output.end(session, CloseCode.replaced, { code: 'replaced', details: {} });
    else this.output.end(session, CloseCode.rejected, { code: 'id-taken', details: { id } });
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
