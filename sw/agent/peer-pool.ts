// The bounded set of peer connections: dials swarm members the signal server names, accepts incoming connections
// within the bound, keeps one connection per peer, bans misbehaving peers, and answers "who has this segment?".

import type { DataConnection } from 'peerjs';
import type { HaveEntry } from '../../protocol/peers/peer-wire';
import { BoundedMap } from '../shared/bounded-map';
import { type ChannelEvents, PeerChannel } from './peer-channel';
import { PeerNetworks } from './peer-networks';
import type { Holder } from './scheduler';
import { CONNECTION_LABEL, CONNECTION_METADATA } from './signal-client';
import { TokenBucket } from './token-bucket';
import { UploadMeter } from './upload-meter';
import { UploadSlots } from './upload-slots';

export interface PoolEvents {
  opened(channel: PeerChannel): void;
  closed(peerId: string, reason: string, wasOpen: boolean): void;
  announced(channel: PeerChannel, swarm: string, segments: HaveEntry[], full: boolean): void;
  uploaded(peerId: string, segmentId: string, bytes: number): void;
  /** It is fetching `segmentId` from the network (FETCHING), expecting it in about `etaMs`. */
  fetching(peerId: string, segmentId: string, etaMs: number): void;
  misbehaved(peerId: string, reason: string): void;
}

export interface PoolOptions {
  maxPeers: number;
  uploadCap: number;
  maxUploads: number;
  peerRequestsPerSec: number;
  connectTimeoutMs: number;
  /** See PeerNetworks: the most of our P2P bytes far peers may serve when near ones could not. Default 1. */
  crossNetworkShare?: number;
}

export interface PoolDeps {
  /** Our own id at the signal server (undefined while offline). */
  selfId: () => string | undefined;
  /** Opens an outgoing data connection, or undefined while offline. */
  dial: (peerId: string) => DataConnection | undefined;
  readSegment: (segmentId: string) => Promise<ArrayBuffer | undefined>;
  now: () => number;
  events: PoolEvents;
}

/** Swarm members remembered for dialing later. */
const MAX_CANDIDATES = 64;
/** Peers banned for this session. */
const MAX_BANNED = 256;
/** Someone who just joined dials us (they got our id in SWARM-PEERS); we dial them only if they have not by then. */
const NEWCOMER_DIAL_DELAY_MS = 3000;
/** Upload cap burst: a quarter second of the cap, never less than a few chunks. */
const UPLOAD_BURST_SEC = 0.25;
const MIN_UPLOAD_BURST_BYTES = 64 * 1024;

interface Member {
  channel: PeerChannel;
  outgoing: boolean;
}

export class PeerPool {
  /** Which peers are in our network (the signal server's tiers) and what we asked near and far peers for. */
  readonly networks: PeerNetworks;
  private readonly members = new Map<string, Member>();
  private readonly candidates = new BoundedMap<string, { dialAfter: number }>(MAX_CANDIDATES);
  private readonly banned = new BoundedMap<string, string>(MAX_BANNED);
  private readonly uploadBucket: TokenBucket;
  private readonly uploadSlots: UploadSlots;
  private readonly uploadMeter: UploadMeter;
  private dialTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly options: PoolOptions,
    private readonly deps: PoolDeps,
  ) {
    const burst = Math.max(MIN_UPLOAD_BURST_BYTES, options.uploadCap * UPLOAD_BURST_SEC);
    this.uploadBucket = new TokenBucket(
      options.uploadCap,
      Number.isFinite(burst) ? burst : MIN_UPLOAD_BURST_BYTES,
    );
    this.uploadSlots = new UploadSlots(options.maxUploads);
    this.networks = new PeerNetworks(options.crossNetworkShare);
    this.uploadMeter = new UploadMeter(options.maxUploads, {
      now: deps.now,
      buffered: () => this.openChannels().reduce((sum, channel) => sum + channel.bufferedBytes, 0),
      limitUploads: (count) => this.uploadSlots.setLimit(count),
    });
  }

  /** Our measured upload rate, kbit/s; null while the uplink was never the bottleneck. */
  get uplinkKbps(): number | null {
    return this.uploadMeter.uplinkKbps;
  }

  /** Members the signal server told us about: dial now if we joined after them, a little later if they are new. */
  addMembers(peerIds: readonly string[], newcomers: boolean): void {
    const dialAfter = this.deps.now() + (newcomers ? NEWCOMER_DIAL_DELAY_MS : 0);
    for (const peerId of peerIds) {
      if (peerId === this.deps.selfId() || this.members.has(peerId) || this.banned.has(peerId)) continue;
      this.candidates.set(peerId, {
        dialAfter: Math.min(dialAfter, this.candidates.get(peerId)?.dialAfter ?? dialAfter),
      });
    }
    this.fill();
  }

  /** Dials candidates that are due while there is room; sets one timer for the next one that is not due yet. */
  private fill(): void {
    clearTimeout(this.dialTimer);
    this.dialTimer = undefined;
    const now = this.deps.now();
    let nextDue = Number.POSITIVE_INFINITY;
    for (const [peerId, { dialAfter }] of this.candidates) {
      if (this.members.size >= this.options.maxPeers) return;
      if (this.members.has(peerId)) {
        this.candidates.delete(peerId);
      } else if (dialAfter <= now) {
        this.candidates.delete(peerId);
        const connection = this.deps.dial(peerId);
        if (connection) this.adopt(connection, true);
      } else {
        nextDue = Math.min(nextDue, dialAfter);
      }
    }
    if (Number.isFinite(nextDue)) this.dialTimer = setTimeout(() => this.fill(), nextDue - now);
  }

  /** An incoming connection: kept if it speaks our protocol, its peer is not banned and there is room. */
  accept(connection: DataConnection): void {
    const speaksOurs =
      connection.label === CONNECTION_LABEL &&
      connection.serialization === 'raw' &&
      connection.metadata?.protocol === CONNECTION_METADATA.protocol;
    const existing = this.members.get(connection.peer);
    if (
      !speaksOurs ||
      this.banned.has(connection.peer) ||
      (!existing && this.members.size >= this.options.maxPeers)
    ) {
      connection.close();
      return;
    }
    // Both sides dialed at once: both keep the connection dialed by the smaller id, so exactly one survives.
    if (existing?.outgoing && (this.deps.selfId() ?? '') < connection.peer) {
      connection.close();
      return;
    }
    this.candidates.delete(connection.peer);
    this.adopt(connection, false);
    // Closed after its successor took the slot, so onClosed leaves the successor alone.
    existing?.channel.close('replaced by the connection the peer dialed');
  }

  private adopt(connection: DataConnection, outgoing: boolean): void {
    const channelEvents: ChannelEvents = {
      opened: (channel) => this.deps.events.opened(channel),
      announced: (channel, swarm, segments, full) =>
        this.deps.events.announced(channel, swarm, segments, full),
      uploaded: (channel, segmentId, bytes) => {
        this.uploadMeter.segment(bytes);
        this.deps.events.uploaded(channel.peerId, segmentId, bytes);
      },
      fetching: (channel, segmentId, etaMs) => this.deps.events.fetching(channel.peerId, segmentId, etaMs),
      misbehaved: (channel, reason) => this.ban(channel.peerId, reason),
      closed: (channel, reason) => this.onClosed(channel, reason),
    };
    const channel = new PeerChannel(connection, {
      now: this.deps.now,
      uploadBucket: this.uploadBucket,
      uploadSlots: this.uploadSlots,
      uploadEnabled: this.options.uploadCap > 0,
      requestLimiter: new TokenBucket(
        this.options.peerRequestsPerSec,
        this.options.peerRequestsPerSec * 2,
        this.deps.now,
      ),
      connectTimeoutMs: this.options.connectTimeoutMs,
      sent: (bytes) => this.uploadMeter.sent(bytes),
      requested: (bytes) => this.networks.requested(connection.peer, bytes),
      readSegment: this.deps.readSegment,
      events: channelEvents,
    });
    if (channel.status !== 'closed') this.members.set(channel.peerId, { channel, outgoing });
  }

  private onClosed(channel: PeerChannel, reason: string): void {
    // A replaced connection closes after its successor took the slot: only the current one is removed.
    if (this.members.get(channel.peerId)?.channel !== channel) return;
    this.members.delete(channel.peerId);
    this.deps.events.closed(channel.peerId, reason, channel.wasOpen);
    this.fill();
  }

  /** Drops a peer for the rest of the session (bad bytes, protocol abuse, or bytes the worker refused). */
  ban(peerId: string, reason: string): void {
    if (this.banned.has(peerId)) return;
    this.banned.set(peerId, reason);
    this.candidates.delete(peerId);
    this.deps.events.misbehaved(peerId, reason);
    this.members.get(peerId)?.channel.close(reason);
  }

  bannedPeers(): string[] {
    return [...this.banned.keys()];
  }

  /** The signal server could not reach this peer: forget it and try someone else. */
  forget(peerId: string): void {
    this.candidates.delete(peerId);
    const member = this.members.get(peerId);
    if (member && member.channel.status === 'connecting') member.channel.close('peer unavailable');
  }

  holdersOf(segmentId: string): Holder[] {
    const holders: Holder[] = [];
    for (const { channel } of this.members.values()) {
      const holder = channel.holderOf(segmentId);
      if (holder) holders.push({ ...holder, near: this.networks.isNear(holder.peerId) });
    }
    return holders;
  }

  /** Open peers that got a segment of `swarm` (null: of any swarm) within `withinMs`: who plays it now. */
  activePeers(swarm: string | null, withinMs: number): string[] {
    return this.openChannels()
      .filter((channel) => channel.gotRecentlyIn(swarm, withinMs))
      .map((channel) => channel.peerId);
  }

  channel(peerId: string): PeerChannel | undefined {
    return this.members.get(peerId)?.channel;
  }

  /** Connections still opening (their peers have not announced anything yet). */
  get connectingCount(): number {
    let count = 0;
    for (const { channel } of this.members.values()) if (channel.status === 'connecting') count++;
    return count;
  }

  openChannels(): PeerChannel[] {
    return [...this.members.values()]
      .map(({ channel }) => channel)
      .filter((channel) => channel.status === 'open');
  }

  destroy(): void {
    clearTimeout(this.dialTimer);
    this.uploadMeter.destroy();
    this.uploadBucket.close();
    for (const { channel } of [...this.members.values()]) channel.close('shutting down');
    this.members.clear();
    this.candidates.clear();
  }
}
