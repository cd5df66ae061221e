// What the signaling rules need from their edges, as interfaces: the transport that moves bytes
// (uWS in server.ts, a fake in tests), the telemetry that metrics.ts turns into Prometheus counters, and in
// cluster mode the link to the other processes (Redis, cluster-router.ts).

import type { AcceptedHash } from '../protocol/signaling/hash-messages';
import type { RelayType } from '../protocol/signaling/peerjs-messages';
import type { QoeReport } from '../protocol/signaling/qoe-messages';
import type { CloseCode } from '../protocol/signaling/signal-errors';
import type { ErrorCode } from './errors';
import type { QueuedMessage } from './peerjs/message-queue';
import type { PeerTraits } from './swarms/peer-traits';
import type { Candidate } from './swarms/rank-peers';

/** What QoE reporting reads and keeps on a connection (a PeerSession has both). */
export interface QoeConnection {
  ip: string;
  /** The QoE session this connection reports for; null until its first accepted report. */
  qoe: string | null;
}

/** QOE-REPORT from a connection (qoe/qoe-reports.ts): returns the text to answer with (QOE-SESSION), or null. */
export interface QoePort {
  report(connection: QoeConnection, report: QoeReport, now: number): string | null;
}

/** 'buffered' = accepted but waiting in the socket's buffer; 'dropped' = the transport refused it. */
export type SendStatus = 'sent' | 'buffered' | 'dropped';

export interface Transport<Socket> {
  send(socket: Socket, text: string): SendStatus;
  bufferedAmount(socket: Socket): number;
  /** Ends the connection with a close frame; may report the close synchronously. */
  close(socket: Socket, code: CloseCode, reason: string): void;
}

/** not-in-swarm: refused by swarmOnlySignaling. claim-pending: more messages than CLAIM_HOLD_LIMIT arrived while the id was being claimed in Redis. */
export type DropReason =
  | 'peer-absent'
  | 'queue-full'
  | 'expired'
  | 'slow-reader'
  | 'rate-limited'
  | 'ip-rate-limited'
  | 'not-in-swarm'
  | 'claim-pending';

/** A pair of peers the server offered each other (SWARM-PEERS, SWARM-JOINED) or saw connect (ANSWER relayed). */
export type PairStage = 'offered' | 'connected';
export type PairNetwork = 'same-asn' | 'cross-asn' | 'unknown';

/** What metrics observe. `rejected` counts every ERROR sent and every connection the server ends. */
export interface SignalTelemetry {
  relayed(type: RelayType): void;
  dropped(type: RelayType | 'any', reason: DropReason): void;
  rejected(code: ErrorCode): void;
  paired?(stage: PairStage, network: PairNetwork): void;
  /** A VIEWER-STATE: taken, or ignored for coming sooner than VIEWER_STATE_MIN_INTERVAL_MS after the last. */
  viewerState?(result: 'accepted' | 'too-soon'): void;
}

export interface SignalStats {
  /** Open sockets, registered or not. */
  connections: number;
  /** Registered peer ids. */
  peers: number;
  swarms: number;
  /** Swarm memberships. */
  members: number;
  /** Messages waiting for absent peers. */
  queued: number;
}

/** The server's own message to a peer (EXPIRE or LEAVE to a sender, SWARM-JOINED): never queued. */
export interface Notice {
  type: 'notice';
  dst: string;
  text: string;
}

/** What travels between processes: a relayed message (src already spliced in) or a notice. */
export type RoutedMessage = QueuedMessage | Notice;

/** 'unavailable': Redis did not answer; the peer is admitted on this process alone and claimed later. */
export type ClaimResult = 'claimed' | 'taken' | 'unavailable';

/** Cluster mode: ids, swarms and delivery across processes. Absent in the default single-process mode. */
export interface ClusterPort {
  /** Takes `id` for this process unless another process holds it with another token. */
  claim(id: string, token: string): Promise<ClaimResult>;
  /** The peer left this process: its location goes, unless another process took it over meanwhile. */
  release(id: string, token: string): void;
  /**
   * Sends a message to the process holding `message.dst`; ClusterInbox.absent when none does. `hops` 0: from
   * the sender's process; 1: the process it reached no longer has the peer (looked up again, not cached).
   */
  forward(message: RoutedMessage, hops: number): void;
  /**
   * Adds `id` (with its `traits`: its ASN and country groups, its attributes) to `swarm` and resolves with up to
   * `count` live members of each of its groups and of the whole swarm (maybe `id` itself), each with its traits
   * as last written; null if Redis is down.
   */
  joinSwarm(swarm: string, id: string, traits: PeerTraits, count: number): Promise<Candidate[] | null>;
  leaveSwarm(swarm: string, id: string, traits: PeerTraits | null): void;
}

/** What the cluster hands the signaling rules (Signaling implements it). */
export interface ClusterInbox {
  /** A message another process routed here. */
  receive(message: RoutedMessage, hops: number): void;
  /** No process holds `message.dst`: hold a relay for a while (EXPIRE later), drop a notice. */
  absent(message: RoutedMessage): void;
  /** `id`, which messages held here wait for, connected somewhere: send them on. */
  arrived(id: string): void;
  /** Another process now holds `id` (claimed with `token`): end the connection here, if there is one. */
  evict(id: string, token: string): void;
  /** A hash this process registered waiting queries for was accepted (on another process). */
  hashAccepted(swarm: string, hash: AcceptedHash): void;
  /** What this process holds, for the batched refresh of its Redis entries. */
  peers(): Iterable<{ id: string; token: string; traits: PeerTraits | null }>;
  swarms(): Iterable<[swarm: string, members: readonly string[]]>;
}
