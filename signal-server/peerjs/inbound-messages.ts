// What a text frame from an open connection does: it passes the connection's and its address's message buckets,
// is validated, and goes to its rule — a relay (gated by swarmOnlySignaling), a swarm, segment trust, or QoE.
import { parseClientMessage, type RelayType, withSrc } from '../../protocol/signaling/peerjs-messages';
import { CloseCode, type SignalErrorReport } from '../../protocol/signaling/signal-errors';
import type { IpLimits } from '../access/ip-limits';
import { type RateLimit, takeToken } from '../access/rate-limiter';
import type { SignalServerConfig } from '../config';
import type { QoePort, SignalTelemetry } from '../signaling-ports';
import { maySignal } from '../swarms/swarm-contacts';
import type { SwarmMembership } from '../swarms/swarm-membership';
import type { HashExchange } from '../trust/hash-exchange';
import type { Delivery } from './delivery';
import type { PeerDirectory } from './peer-directory';
import type { PeerSession } from './peer-session';
import type { SessionOutput } from './session-output';

export interface InboundMessagesDeps<Socket> {
  rate: RateLimit;
  ipLimits: IpLimits;
  telemetry: SignalTelemetry;
  output: SessionOutput<Socket>;
  directory: PeerDirectory<PeerSession<Socket>>;
  delivery: Delivery<Socket>;
  membership: SwarmMembership<Socket>;
  hashes: HashExchange<Socket>;
  /** QOE-REPORT; without it (tests of other rules) reports are ignored. */
  qoe?: QoePort;
  /** Cluster mode: a destination may be connected to another process. */
  clustered: boolean;
}

/** The relays swarmOnlySignaling gates: connection set-up. LEAVE and EXPIRE only end what exists. */
const SETUP_TYPES: ReadonlySet<RelayType> = new Set(['OFFER', 'ANSWER', 'CANDIDATE']);

export class InboundMessages<Socket> {
  constructor(
    private readonly config: SignalServerConfig,
    private readonly deps: InboundMessagesDeps<Socket>,
  ) {}

  /** One text frame (already checked against maxPayloadBytes) from an open connection, received at `now`. */
  handle(session: PeerSession<Socket>, text: string, now: number): void {
    const { rate, ipLimits, telemetry, output } = this.deps;
    const verdict = takeToken(session, rate, now);
    if (verdict !== 'allowed') {
      telemetry.dropped('any', 'rate-limited');
      if (verdict === 'limited') output.error(session, { code: 'rate-limited', details: rate });
      if (verdict === 'flood')
        output.violation(session, CloseCode.policyViolation, { code: 'flood', details: rate });
      return;
    }
    // The same flood spread over many sockets from one address: one bucket for all of them.
    const ipVerdict = ipLimits.takeMessage(session.ip, now);
    if (ipVerdict !== 'allowed') {
      telemetry.dropped('any', 'ip-rate-limited');
      const ipRate = ipLimits.messageRate;
      if (ipVerdict === 'limited' && ipRate)
        output.error(session, { code: 'ip-rate-limited', details: ipRate });
      return;
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      output.error(session, parsed.error);
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
        this.deps.membership.leave(session, message.payload.swarm);
        break;
      case 'VIEWER-STATE':
        this.deps.membership.state(session, message.payload, now);
        break;
      case 'SEGMENT-HASH':
      case 'SEGMENT-HASH-QUERY':
      case 'PEER-REPORT':
        this.deps.hashes.handle(session, message);
        break;
      case 'QOE-REPORT': {
        const answer = this.deps.qoe?.report(session, message.payload, now);
        if (answer) output.send(session, answer);
        break;
      }
      default: {
        const { type, dst } = message;
        if (
          SETUP_TYPES.has(type) &&
          this.config.swarmOnlySignaling &&
          !maySignal(session, dst, this.deps.directory.get(dst), this.deps.clustered)
        ) {
          telemetry.dropped(type, 'not-in-swarm');
          output.error(session, { code: 'not-in-swarm', details: { dst } });
          return;
        }
        this.deps.delivery.relay({
          src: session.id,
          dst,
          type,
          text: withSrc(text, session.id),
          queuedAt: now,
        });
      }
    }
  }

  binaryFrame(session: PeerSession<Socket>): void {
    this.deps.output.violation(session, CloseCode.unsupportedData, { code: 'binary-frame', details: {} });
  }

  oversizedFrame(session: PeerSession<Socket>, size: number): void {
    const report: SignalErrorReport = {
      code: 'payload-too-large',
      details: { size, limit: this.config.maxPayloadBytes },
    };
    this.deps.output.violation(session, CloseCode.messageTooBig, report);
  }

  /**
   * A first join announces the newcomer to up to swarmAnnounceLimit members: it costs that many messages
   * from the joiner's bucket, so what goes out never exceeds what the joiner may send (no amplification).
   */
  private join(session: PeerSession<Socket>, swarm: string): void {
    const wasMember = session.swarms?.includes(swarm) ?? false;
    this.deps.membership.join(session, swarm);
    if (!wasMember && session.swarms?.includes(swarm)) session.tokens -= this.config.swarmAnnounceLimit;
  }
}
