// The segment-trust messages, apart from any socket: SEGMENT-HASH votes go to the ledger (members of the
// swarm only), SEGMENT-HASH-QUERY is answered at once and its unanswered segments once more when accepted,
// PEER-REPORT tallies liars and hides them from their swarm. One message in, at most one out per waiting entry.
// With the hash service, a vote or query for a segment of a listed origin also has it fetched and hashed there.

import type { AcceptedHash, HashClientMessage, SegmentHash } from '../../protocol/signaling/hash-messages';
import { encodeHashServerMessage } from '../../protocol/signaling/hash-messages';
import type { SignalServerConfig } from '../config';
import type { HashService, ServiceState } from '../hash-service/hash-service';
import type { PeerSession } from '../peerjs/peer-session';
import { type HashLedgerPort, InMemoryHashLedger, type PublishResult, type VoteResult } from './hash-ledger';
import { HashWaits } from './hash-waits';
import { type PeerReportResult, PeerReports, type PeerReportsPort } from './peer-reports';

/** not-member: the sender is not in that swarm. excluded: the sender was itself reported out of it. */
export type HashIgnoreReason = 'not-member' | 'excluded' | 'self-report';

/** What metrics observe (hash-metrics.ts). */
export interface HashTelemetry {
  voted(result: VoteResult): void;
  /** One query: how many segments it asked, how many were answered at once. */
  queried(asked: number, answered: number): void;
  /** A later SEGMENT-HASHES for a waiting query entry. */
  notified(): void;
  ignored(type: HashClientMessage['type'], reason: HashIgnoreReason): void;
  peerReported(result: PeerReportResult): void;
  /** The hash service's hash went to a swarm's ledger. */
  published(result: PublishResult): void;
  /** Held votes reached their quorum once the service gave up on the origin. */
  released(): void;
}

export type HashExchangeConfig = Pick<
  SignalServerConfig,
  | 'hashQuorum'
  | 'hashQuorumDistinctIps'
  | 'hashSegmentsPerSwarm'
  | 'hashVotesPerSegment'
  | 'hashTtlMs'
  | 'hashWaitsPerPeer'
  | 'hashWaitsTotal'
  | 'hashWaitMs'
  | 'peerReportThreshold'
  | 'peerReportsPerSwarm'
>;

export interface HashExchangeDeps<Socket> {
  send(session: PeerSession<Socket>, text: string): void;
  telemetry?: HashTelemetry;
  now(): number;
  /** Operator messages (a peer excluded from a swarm). */
  log?: (line: string) => void;
  /** Whether `swarm` still has a member on this process (state for an empty swarm is dropped). */
  isLive(swarm: string): boolean;
  /** Cluster mode: the ledger and the peer reports in Redis. Default: in memory. */
  ledger?: HashLedgerPort;
  reports?: PeerReportsPort;
  /** The hash service (`--hash-origins`); without it, hashes come from the quorum only. */
  service?: Pick<HashService, 'request' | 'attach'>;
}

const ignore = () => {};
const noTelemetry: HashTelemetry = {
  voted: ignore,
  queried: ignore,
  notified: ignore,
  ignored: ignore,
  peerReported: ignore,
  published: ignore,
  released: ignore,
};

export class HashExchange<Socket> {
  private readonly telemetry: HashTelemetry;
  private readonly log: (line: string) => void;
  private readonly ledger: HashLedgerPort;
  private readonly local: InMemoryHashLedger | null = null;
  private readonly waits: HashWaits<PeerSession<Socket>>;
  private readonly reports: PeerReportsPort;

  constructor(
    private readonly config: HashExchangeConfig,
    private readonly deps: HashExchangeDeps<Socket>,
  ) {
    if (deps.ledger) this.ledger = deps.ledger;
    else {
      this.local = new InMemoryHashLedger(config, deps.now);
      this.ledger = this.local;
    }
    this.telemetry = deps.telemetry ?? noTelemetry;
    this.log = deps.log ?? ignore;
    this.waits = new HashWaits(config, deps.now);
    this.reports = deps.reports ?? new PeerReports(config);
    deps.service?.attach({
      hashed: (swarms, hash) => this.publish(swarms, hash),
      refused: (swarms, segment) => this.release(swarms, segment),
    });
  }

  /** Queried segments waiting for a hash, on this process. */
  get waiting(): number {
    return this.waits.size;
  }

  handle(session: PeerSession<Socket>, message: HashClientMessage): void {
    const { swarm } = message.payload;
    const { telemetry } = this;
    if (!session.swarms?.includes(swarm)) telemetry.ignored(message.type, 'not-member');
    else if (this.reports.isExcluded(swarm, session.id)) telemetry.ignored(message.type, 'excluded');
    else if (message.type === 'SEGMENT-HASH') this.vote(session, message.payload);
    else if (message.type === 'SEGMENT-HASH-QUERY') this.query(session, swarm, message.payload.segments);
    else this.report(session, message.payload);
  }

  /** The hash of `hash.segment` was accepted (here, or on another process): each waiting query hears once. */
  accepted(swarm: string, hash: AcceptedHash): void {
    const text = encodeHashServerMessage({ type: 'SEGMENT-HASHES', payload: { swarm, hashes: [hash] } });
    for (const session of this.waits.take(swarm, hash.segment)) {
      this.telemetry.notified();
      this.deps.send(session, text);
    }
  }

  isExcluded(swarm: string, peer: string): boolean {
    return this.reports.isExcluded(swarm, peer);
  }

  /** The connection closed: its waits end. */
  closed(session: PeerSession<Socket>): void {
    this.waits.removeWaiter(session);
  }

  /** Periodic (the signaling sweep): expired waits and entries, swarms that emptied. */
  sweep(): void {
    this.waits.expire();
    const isLive = this.deps.isLive;
    this.local?.expire(isLive);
    this.reports.expire(isLive);
  }

  /** While the service fetches the segment, the vote counts but cannot make a quorum (see hash-ledger.ts). */
  private vote(session: PeerSession<Socket>, hash: { swarm: string } & SegmentHash): void {
    const { swarm, segment, size, sha256 } = hash;
    const ip = this.config.hashQuorumDistinctIps ? session.ip : null;
    const service: ServiceState | Promise<ServiceState> =
      this.deps.service?.request(swarm, segment) ?? 'not-listed';
    settle(service, (state) => {
      const vote = { swarm, segment, size, sha256, reporter: session.id, ip, hold: state === 'fetching' };
      settle(this.ledger.vote(vote), (result) => {
        this.telemetry.voted(result);
        if (result === 'accepted') this.accepted(swarm, { segment, size, sha256, source: 'swarm' });
      });
    });
  }

  /** The service hashed `hash.segment` from its origin: accepted in each swarm with the origin's strength. */
  private publish(swarms: readonly string[], hash: SegmentHash): void {
    for (const swarm of swarms)
      settle(this.ledger.publish(swarm, hash), (result) => {
        this.telemetry.published(result);
        if (result === 'published') this.accepted(swarm, { ...hash, source: 'origin' });
        if (result === 'conflict')
          this.log(
            `segment ${hash.segment.slice(0, 300)} of swarm ${JSON.stringify(swarm)}: the origin's bytes hash to ` +
              `${hash.sha256} (${hash.size} bytes), not to the hash the swarm accepted before (kept: the first is final)`,
          );
      });
  }

  /** The service will not hash `segment`: votes it held may make their quorum now. */
  private release(swarms: readonly string[], segment: string): void {
    for (const swarm of swarms)
      settle(this.ledger.release(swarm, segment), (hash) => {
        if (!hash) return;
        this.telemetry.released();
        this.accepted(swarm, hash);
      });
  }

  /**
   * Waits are registered before the look-up, so an acceptance that lands while it is in flight (cluster
   * mode) is not missed; a segment both notified and found is then left out of the answer (once each).
   */
  private query(session: PeerSession<Socket>, swarm: string, segments: string[]): void {
    const waiting = this.waits.add(session, swarm, segments);
    settle(this.ledger.lookup(swarm, segments), (found) => {
      const hashes = found.filter(
        ({ segment }) => !waiting.has(segment) || this.waits.remove(session, swarm, segment),
      );
      this.telemetry.queried(segments.length, hashes.length);
      if (session.status === 'open')
        this.deps.send(
          session,
          encodeHashServerMessage({ type: 'SEGMENT-HASHES', payload: { swarm, hashes } }),
        );
      // The ones without a hash: the service fetches those of listed origins (the waits hear of the result).
      const known = new Set(found.map((hash) => hash.segment));
      for (const segment of segments) if (!known.has(segment)) this.deps.service?.request(swarm, segment);
    });
  }

  private report(
    session: PeerSession<Socket>,
    report: { swarm: string; peer: string; reason: string },
  ): void {
    const { swarm, peer, reason } = report;
    if (peer === session.id) {
      this.telemetry.ignored('PEER-REPORT', 'self-report');
      return;
    }
    const reporter = this.config.hashQuorumDistinctIps ? session.ip : session.id;
    settle(this.reports.report(swarm, peer, reporter), (result) => {
      this.telemetry.peerReported(result);
      if (result !== 'excluded') return;
      this.log(
        `peer ${peer} excluded from swarm ${JSON.stringify(swarm)}: reported by ` +
          `${this.config.peerReportThreshold} distinct reporters (last by ${session.id}: ${JSON.stringify(reason)})`,
      );
    });
  }
}

/** Runs `then` at once on a plain value (one process) or when the promise settles (cluster mode). */
function settle<T>(value: T | Promise<T>, then: (value: T) => void): void {
  if (value instanceof Promise) void value.then(then);
  else then(value);
}
