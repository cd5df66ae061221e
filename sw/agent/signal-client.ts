// The PeerJS client to our signal server, plus the swarm extension on the same WebSocket: joins swarms, reports
// members, hands over incoming connections, and reconnects (re-joining every swarm) with backoff after a loss.

import { type DataConnection, Peer, type PeerError, type PeerOptions } from 'peerjs';
import { PEER_WIRE_VERSION } from '../../protocol/peers/peer-wire';
import {
  type AcceptedHash,
  type HashClientMessage,
  readHashServerMessage,
} from '../../protocol/signaling/hash-messages';
import { isQoeServerMessage, type QoeClientMessage } from '../../protocol/signaling/qoe-messages';
import { isReconnectMessage } from '../../protocol/signaling/reconnect-message';
import {
  isSwarmServerMessage,
  type NetworkTier,
  type SwarmClientMessage,
} from '../../protocol/signaling/swarm-messages';
import type { ViewerStateMessage } from '../../protocol/signaling/viewer-state';
import { describeCause, PeerlaneError } from './errors';
import { markPhase } from './phase-marks';

export interface SignalEvents {
  /**
   * Members of `swarm`: the answer to our join (`newcomer` false) or someone who joined after us (true), each with
   * its network tier relative to us (`networks[i]` for `peerIds[i]`; undefined: all unknown).
   */
  members(swarm: string, peerIds: string[], newcomer: boolean, networks: NetworkTier[] | undefined): void;
  /** A peer opens a data connection to us (not yet open, not yet checked). */
  incoming(connection: DataConnection): void;
  /** Dialing `peerId` failed at the signal server (it is gone), or the peer declined or left (LEAVE). */
  unreachable(peerId: string): void;
  /** Connected (again): every swarm is re-joined; what the server kept for the old socket is gone. */
  connected(): void;
  /** Accepted segment hashes of `swarm`: the answer to a query, or a segment accepted since. */
  hashes(swarm: string, hashes: AcceptedHash[]): void;
  /** The token of our QoE session: the answer to its first report. */
  qoeSession(token: string): void;
  error(error: PeerlaneError): void;
}

export interface SignalOptions {
  signal: string;
  key: string;
  /** Our id and token (a signed join token binds both); undefined: the server assigns the id, peerjs the token. */
  peerId?: string;
  token?: string;
  iceServers: RTCIceServer[];
}

export type SignalStatus = 'connecting' | 'open' | 'waiting' | 'stopped';

/** Reconnection backoff: first retry after 1 s, doubling to 30 s, ±20 % jitter so a restarted server is not stampeded. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** Label and metadata on every connection we open, so both ends know it speaks the peer wire protocol. */
export const CONNECTION_LABEL = 'peerlane';
export const CONNECTION_METADATA = { protocol: PEER_WIRE_VERSION };

/** PeerJS options from the signal URL: 'wss://signal.example.com/p2p/' → host, port 443, path '/p2p/', secure. */
export function peerOptionsFor(options: SignalOptions): PeerOptions {
  const url = new URL(options.signal);
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    path: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`,
    key: options.key,
    ...(options.token === undefined ? {} : { token: options.token }),
    secure,
    config: { iceServers: options.iceServers },
    debug: 0,
  };
}

export class SignalClient {
  status: SignalStatus = 'connecting';
  private peer: Peer;
  private readonly swarms = new Set<string>();
  /** Swarms joined on this connection whose member list has not come back yet. */
  private readonly unanswered = new Set<string>();
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set by RECONNECT (the server is draining): when to reconnect (Date.now() ms); the close that follows is planned. */
  private reconnectAt: number | undefined;

  constructor(
    private readonly options: SignalOptions,
    private readonly events: SignalEvents,
    private readonly createPeer: (options: PeerOptions) => Peer = (peerOptions) =>
      options.peerId === undefined ? new Peer(peerOptions) : new Peer(options.peerId, peerOptions),
  ) {
    this.peer = this.open();
  }

  get peerId(): string | undefined {
    return this.status === 'open' ? this.peer.id : undefined;
  }

  private open(): Peer {
    const peer = this.createPeer(peerOptionsFor(this.options));
    // Also after a reconnect: the server forgot our swarms with the old socket.
    peer.on('open', () => {
      markPhase('signal-open');
      this.status = 'open';
      this.retryMs = RETRY_FIRST_MS;
      for (const swarm of this.swarms) this.sendJoin(swarm);
      this.events.connected();
    });
    // Swarm messages ride the PeerJS socket; peerjs itself ignores them (unknown types).
    peer.socket.on('message', (message: unknown) => this.onServerMessage(message));
    peer.on('connection', (connection) => this.events.incoming(connection));
    peer.on('error', (error) => this.onError(error));
    // Lost the server but kept the id (and the peer connections): reconnect the socket.
    peer.on('disconnected', () => this.retry(() => peer.reconnect()));
    // Destroyed (no id was ever obtained, or the id is lost): start over with a new Peer.
    peer.on('close', () => this.retry(() => this.replace()));
    return peer;
  }

  private replace(): void {
    this.peer.removeAllListeners();
    this.peer = this.open();
  }

  private retry(action: () => void): void {
    if (this.status === 'stopped' || this.retryTimer !== undefined) return;
    const wasOpen = this.status === 'open';
    this.status = 'waiting';
    this.unanswered.clear();
    const planned = this.reconnectAt;
    this.reconnectAt = undefined;
    let delay: number;
    if (planned !== undefined) {
      // The server drains and said when (its delays are spread): no backoff, nothing to report.
      delay = Math.max(0, planned - Date.now());
    } else {
      delay = Math.round(this.retryMs * (0.8 + Math.random() * 0.4));
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      // A failed attempt was already reported (signal-unreachable); a lost connection is news.
      if (wasOpen)
        this.events.error(new PeerlaneError('signal-lost', { url: this.options.signal, retryMs: delay }));
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.status !== 'waiting') return;
      this.status = 'connecting';
      // reconnect() throws unless the peer is disconnected and not destroyed: then a fresh Peer is the way back.
      try {
        if (this.peer.destroyed) this.replace();
        else action();
      } catch {
        this.peer.destroy();
      }
    }, delay);
  }

  private onError(error: PeerError<string>): void {
    const url = this.options.signal;
    switch (error.type) {
      case 'invalid-key':
        // The key will not become valid by retrying.
        this.events.error(new PeerlaneError('signal-key-refused', { key: this.options.key }));
        this.stop();
        return;
      case 'browser-incompatible':
        this.events.error(new PeerlaneError('webrtc-unsupported', { cause: error.message }));
        this.stop();
        return;
      case 'peer-unavailable': {
        const peerId = /peer (\S+)$/.exec(error.message)?.[1];
        if (peerId) this.events.unreachable(peerId);
        return;
      }
      case 'unavailable-id':
        // Our old id was taken while we were away: a new Peer gets a new id.
        this.peer.destroy();
        return;
      case 'server-error':
      case 'socket-error':
        this.events.error(new PeerlaneError('signal-unreachable', { url, cause: describeCause(error) }));
        return;
      case 'network':
      case 'socket-closed':
      case 'disconnected':
        // Followed by 'disconnected' or 'close', which schedule the retry and report it.
        return;
      default:
        // 'webrtc' and connection-level errors: the connection's own close handling covers them.
        return;
    }
  }

  private onServerMessage(message: unknown): void {
    if (isReconnectMessage(message)) {
      // The server closes the socket after afterMs; 'disconnected' then reconnects at once (see retry()).
      this.reconnectAt = Date.now() + message.payload.afterMs;
      return;
    }
    // peerjs closes its connections to a peer that sent LEAVE, but one that never opened closes without a 'close'
    // event: without this, a declined dial would hold its slot until the connect timeout.
    if (isLeave(message)) {
      this.events.unreachable(message.src);
      return;
    }
    if (isQoeServerMessage(message)) {
      this.events.qoeSession(message.payload.session);
      return;
    }
    const accepted = readHashServerMessage(message);
    if (accepted) {
      if (this.swarms.has(accepted.swarm)) this.events.hashes(accepted.swarm, accepted.hashes);
      return;
    }
    if (!isSwarmServerMessage(message)) return;
    const { swarm } = message.payload;
    if (!this.swarms.has(swarm)) return;
    if (message.type === 'SWARM-PEERS') {
      this.unanswered.delete(swarm);
      this.events.members(swarm, message.payload.peers, false, message.payload.networks);
    } else {
      const { peer, network } = message.payload;
      this.events.members(swarm, [peer], true, network && [network]);
    }
  }

  /** False while offline: the message is dropped (joins are re-sent on the next 'open'). */
  send(message: SwarmClientMessage | HashClientMessage | ViewerStateMessage | QoeClientMessage): boolean {
    if (this.status !== 'open') return false;
    this.peer.socket.send(message);
    return true;
  }

  join(swarm: string): void {
    if (this.swarms.has(swarm)) return;
    this.swarms.add(swarm);
    this.sendJoin(swarm);
  }

  private sendJoin(swarm: string): void {
    if (this.status !== 'open') return;
    this.unanswered.add(swarm);
    this.send({ type: 'SWARM-JOIN', payload: { swarm } });
  }

  /** Members of `swarm` may still be announced: the server is being reached, or has not answered our join yet. */
  awaitingMembers(swarm: string): boolean {
    return this.swarms.has(swarm) && (this.status === 'connecting' || this.unanswered.has(swarm));
  }

  leave(swarm: string): void {
    if (!this.swarms.delete(swarm)) return;
    this.unanswered.delete(swarm);
    this.send({ type: 'SWARM-LEAVE', payload: { swarm } });
  }

  /** Opens a data connection to `peerId` (raw frames, reliable and ordered), or undefined while offline. */
  connect(peerId: string): DataConnection | undefined {
    if (this.status !== 'open') return undefined;
    return this.peer.connect(peerId, {
      label: CONNECTION_LABEL,
      metadata: CONNECTION_METADATA,
      serialization: 'raw',
      reliable: true,
    });
  }

  stop(): void {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.peer.removeAllListeners();
    this.peer.destroy();
  }
}

function isLeave(message: unknown): message is { type: 'LEAVE'; src: string } {
  const { type, src } = (message ?? {}) as { type?: unknown; src?: unknown };
  return type === 'LEAVE' && typeof src === 'string';
}
