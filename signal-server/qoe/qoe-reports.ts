// Viewers' QoE reports, apart from any socket: authenticates each to its session (issuing the session token on
// a first report), drops duplicates, floods and reports that cannot be true, and adds the rest to the metrics
// and the log. On a socket (QoePort) or as a beacon (POST <path>qoe, the page's last report on unload).
import {
  encodeQoeServerMessage,
  type QoeReport,
  qoeReportProblem,
  validateQoeReport,
} from '../../protocol/signaling/qoe-messages';
import { type RateLimit, takeToken } from '../access/rate-limiter';
import type { SignalServerConfig } from '../config';
import type { QoeConnection, QoePort } from '../signaling-ports';
import type { QoeLabeller } from './qoe-labels';
import type { QoeLog } from './qoe-log';
import { logRecord } from './qoe-log-record';
import type { QoeChannel, QoeMetrics, QoeResult } from './qoe-metrics';
import type { ClientDescription, QoeSession, QoeSessions } from './qoe-sessions';
import type { SessionTokens } from './session-tokens';

export type QoeReportsConfig = Pick<
  SignalServerConfig,
  'qoe' | 'qoeReportsPerMinute' | 'qoeReportBurst' | 'qoeMaxMbps' | 'qoeGraceSec'
>;

/** ASN and country of a client address (the GeoIP lookup; IPv6 as its /64's first address); {} when unknown. */
export type DescribeClient = (ip: string) => ClientDescription;

export interface QoeReportsDeps {
  tokens: SessionTokens;
  sessions: QoeSessions;
  labels: QoeLabeller;
  metrics: QoeMetrics;
  log: QoeLog | null;
  describeClient: DescribeClient;
  /** This process in cluster mode, for the log; '' alone. */
  node: () => string;
}

/** A client's clock may run this much faster than ours (timer drift, suspended tabs catching up). */
const CLOCK_TOLERANCE = 1.05;
const SLACK_SEC = 2;
/** Swarms remembered per session: a rendition switch back and forth counts once toward the top swarms. */
const SWARMS_PER_SESSION = 4;

type SocketOutcome = { result: QoeResult; answer: string | null };

/** Whose report this is: an existing session (known here or not yet), or a new one. */
type Owner = { id: string; session: QoeSession | undefined } | { id: null; session: undefined };

export class QoeReports implements QoePort {
  private readonly rate: RateLimit;
  private readonly maxBytesPerSecond: number;

  constructor(
    private readonly config: QoeReportsConfig,
    private readonly deps: QoeReportsDeps,
  ) {
    this.rate = { perSecond: config.qoeReportsPerMinute / 60, burst: config.qoeReportBurst };
    this.maxBytesPerSecond = (config.qoeMaxMbps * 1e6) / 8;
  }

  /** QOE-REPORT on a connection: the QOE-SESSION text when this report began a session, else null. */
  report(connection: QoeConnection, report: QoeReport, now: number): string | null {
    const { result, answer } = this.fromSocket(connection, report, now);
    this.deps.metrics.result('socket', result);
    return answer;
  }

  /** A beacon's body from client address `ip`: what became of it (the HTTP status derives from it). */
  beacon(body: string, ip: string, now: number): QoeResult {
    const result = this.fromBeacon(body, ip, now);
    this.deps.metrics.result('beacon', result);
    return result;
  }

  private fromSocket(connection: QoeConnection, report: QoeReport, now: number): SocketOutcome {
    if (!this.config.qoe) return { result: 'off', answer: null };
    let owner: Owner;
    if (report.session !== undefined) {
      const id = this.deps.tokens.verify(report.session);
      if (id === null) return { result: 'bad-session', answer: null };
      if (connection.qoe !== null && connection.qoe !== id) return { result: 'other-session', answer: null };
      owner = { id, session: this.deps.sessions.get(id, now) };
    } else if (connection.qoe !== null) {
      // Sent before the QOE-SESSION answer arrived: the session this connection began.
      owner = { id: connection.qoe, session: this.deps.sessions.get(connection.qoe, now) };
    } else owner = { id: null, session: undefined };
    const result = this.judge(owner.session, report, now);
    if (result !== 'accepted') return { result, answer: null };
    let answer: string | null = null;
    let id = owner.id;
    if (id === null) {
      const issued = this.deps.tokens.issue();
      id = issued.id;
      answer = encodeQoeServerMessage({ type: 'QOE-SESSION', payload: { session: issued.token } });
    }
    connection.qoe = id;
    this.accept(
      'socket',
      owner.session ?? this.create(id, connection.ip, now),
      owner.id === null,
      report,
      now,
    );
    return { result, answer };
  }

  private fromBeacon(body: string, ip: string, now: number): QoeResult {
    if (!this.config.qoe) return 'off';
    let message: { type?: unknown; payload?: unknown } | null;
    try {
      message = JSON.parse(body);
    } catch {
      return 'malformed';
    }
    const report = message?.type === 'QOE-REPORT' ? validateQoeReport(message.payload) : 'not a QOE-REPORT';
    if (typeof report === 'string') return 'malformed';
    // A beacon cannot begin a session: without a token nothing proves whose it is.
    const id = report.session === undefined ? null : this.deps.tokens.verify(report.session);
    if (id === null) return 'bad-session';
    const session = this.deps.sessions.get(id, now);
    const result = this.judge(session, report, now);
    if (result === 'accepted') this.accept('beacon', session ?? this.create(id, ip, now), false, report, now);
    return result;
  }

  private judge(session: QoeSession | undefined, report: QoeReport, now: number): QoeResult {
    if (session?.ended) return 'ended';
    if (session && takeToken(session, this.rate, now) !== 'allowed') {
      // A flood's debt stops at one burst, so the session recovers at the configured rate once it calms down.
      session.tokens = Math.max(session.tokens, -this.rate.burst);
      return 'rate-limited';
    }
    if (session && report.seq <= session.lastSeq) return 'duplicate';
    if (qoeReportProblem(report, { maxBytesPerSecond: this.maxBytesPerSecond })) return 'implausible';
    const budget = session ? this.budget(session, now) : this.config.qoeGraceSec;
    if (report.periodSec > budget + SLACK_SEC) return 'implausible';
    if (session && report.sessionSec + SLACK_SEC < session.sessionSec + report.periodSec)
      return 'implausible';
    return 'accepted';
  }

  /** Seconds `session` may claim now: what it had left, plus the time passed since (at a generous clock rate). */
  private budget(session: QoeSession, now: number): number {
    return session.budgetSec + (Math.max(0, now - session.lastAt) / 1000) * CLOCK_TOLERANCE;
  }

  /** A session this process had not heard of: new (seq 1 without a token) or begun elsewhere, or forgotten. */
  private create(id: string, ip: string, now: number): QoeSession {
    // IPv6 addresses are counted by their /64 (client-ip.ts): its first address names the same network.
    const client = this.deps.describeClient(ip.replace(/\/64$/, ''));
    this.deps.labels.clientSeen(client, now);
    return {
      id,
      lastSeq: 0,
      lastAt: now,
      budgetSec: this.config.qoeGraceSec,
      sessionSec: 0,
      client,
      swarms: [],
      startupSeen: false,
      ended: false,
      tokens: this.rate.burst - 1,
      refilledAt: now,
    };
  }

  private accept(channel: QoeChannel, session: QoeSession, fresh: boolean, report: QoeReport, now: number) {
    const { labels, metrics } = this.deps;
    session.budgetSec = Math.max(0, this.budget(session, now) - report.periodSec);
    session.lastAt = now;
    session.lastSeq = report.seq;
    session.sessionSec = Math.max(session.sessionSec, report.sessionSec);
    if (report.final) session.ended = true;
    const swarm = report.swarm ?? session.swarms.at(-1);
    if (report.swarm !== undefined && !session.swarms.includes(report.swarm)) {
      labels.swarmSeen(report.swarm, now);
      session.swarms.push(report.swarm);
      if (session.swarms.length > SWARMS_PER_SESSION) session.swarms.shift();
    }
    this.deps.sessions.touch(session, now);
    const labelled = labels.labels(swarm, session.client);
    if (fresh) metrics.sessionStarted(labelled);
    const startup = report.startupSec !== undefined && !session.startupSeen;
    if (startup) {
      session.startupSeen = true;
      metrics.startup(labelled, report.startupSec as number);
    }
    metrics.period(labelled, report);
    const node = this.deps.node() || null;
    const { asn = null, country = null } = session.client;
    const head = { time: new Date(now).toISOString(), node, session: session.id, new: fresh, channel };
    this.deps.log?.write(logRecord({ ...head, swarm: swarm ?? null, asn, country }, report));
  }
}
