// What the signaling rules need from their edges, as interfaces: the transport that moves bytes
// (uWS in server.ts, a fake in tests) and the telemetry that metrics.ts turns into Prometheus counters.
import type { CloseCode, ErrorCode } from './errors';
import type { RelayType } from './peerjs-messages';

/** 'buffered' = accepted but waiting in the socket's buffer; 'dropped' = the transport refused it. */
export type SendStatus = 'sent' | 'buffered' | 'dropped';

export interface Transport<Socket> {
  send(socket: Socket, text: string): SendStatus;
  bufferedAmount(socket: Socket): number;
  /** Ends the connection with a close frame; may report the close synchronously. */
  close(socket: Socket, code: CloseCode, reason: string): void;
}

export type DropReason = 'peer-absent' | 'queue-full' | 'expired' | 'slow-reader' | 'rate-limited';

/** What metrics observe. `rejected` counts every ERROR sent and every connection the server ends. */
export interface SignalTelemetry {
  relayed(type: RelayType): void;
  dropped(type: RelayType | 'any', reason: DropReason): void;
  rejected(code: ErrorCode): void;
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
