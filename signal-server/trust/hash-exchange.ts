// The segment-trust messages, apart from any socket: SEGMENT-HASH votes go to the ledger (members of the
// swarm only), SEGMENT-HASH-QUERY is answered at once and its unanswered segments once more when accepted,
// PEER-REPORT tallies liars and hides them from their swarm. One message in, at most one out per waiting entry.

import type { HashClientMessage, SegmentHash } from '../../protocol/signaling/hash-messages';
import { encodeHashServerMessage } from '../../protocol/signaling/hash-messages';
import type { SignalServerConfig } from '../config';
import type { PeerSession } from '../peerjs/peer-session';
import { type HashLedgerPort, InMemoryHashLedger, type VoteResult } from './hash-ledger';
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
}

const ignore = () => {};
const noTelemetry: HashTelemetry = {
  voted: ignore,
  queried: ignore,
  notified: ignore,
  ignored: ignore,
  peerReported: ignore,
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
  accepted(swarm: string, hash: SegmentHash): void {
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

  private vote(session: PeerSession<Socket>, hash: { swarm: string } & SegmentHash): void {
    const { swarm, segment, size, sha256 } = hash;
    const ip = this.config.hashQuorumDistinctIps ? session.ip : null;
    settle(this.ledger.vote({ swarm, segment, size, sha256, reporter: session.id, ip }), (result) => {
      this.telemetry.voted(result);
      if (result === 'accepted') this.accepted(swarm, { segment, size, sha256 });
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
      if (session.status !== 'open') return;
      this.deps.send(
        session,
        encodeHashServerMessage({ type: 'SEGMENT-HASHES', payload: { swarm, hashes } }),
      );
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
