// The page agent: wires the worker bridge, the signal client, the peer pool, the segment fetcher and the media
// observer together; keeps the stats and emits the public events. Policy lives in scheduler.ts, bytes in the channels.

import { openSegmentStore, type SegmentStore } from '../cache/segment-store';
import type { DeliverySource, SegmentRef, WorkerToPageMessage } from '../protocol/bridge-messages';
import { mediaTypeFor } from '../protocol/media-type';
import type { HaveEntry } from '../protocol/peer-wire';
import { BoundedMap } from './bounded-map';
import { type PeerlaneConfig, workerSettings } from './config';
import { describeCause, PeerlaneError, reportError } from './errors';
import { HaveIndex } from './have-index';
import { MediaObserver } from './media-observer';
import { PeerPool } from './peer-pool';
import { edgeRank } from './peer-wait';
import { RenditionTracker } from './rendition-tracker';
import { planPrefetch } from './scheduler';
import { SegmentFetcher } from './segment-fetcher';
import { SignalClient } from './signal-client';
import { ThroughputEstimate } from './throughput-estimate';
import type { TypedEmitter } from './typed-emitter';
import { WorkerBridge } from './worker-bridge';

export interface PeerlaneStats {
  /** Media segment bytes handed to the player, by origin. A segment prefetched from a peer counts as p2p when played. */
  httpBytes: number;
  p2pBytes: number;
  cacheBytes: number;
  /** Bytes of segments sent (completely) to peers. */
  uploadedBytes: number;
  /** Open peer connections. */
  peers: number;
  /** Our id at the signal server, null while offline. */
  peerId: string | null;
  /** Playback stalls seen on the page's media elements. */
  stalls: number;
  bufferAheadSec: number;
}

export interface PeerlaneEvents {
  'segment-loaded': { segment: SegmentRef; source: DeliverySource; bytes: number; ms: number };
  'segment-uploaded': { segmentId: string; peerId: string; bytes: number };
  'peer-connected': { peerId: string };
  'peer-disconnected': { peerId: string; reason: string };
  error: PeerlaneError;
}

/** Swarms (renditions) we stay in: the current one and a few recent ABR levels. Older ones are left. */
const MAX_JOINED_SWARMS = 4;
/** Segments prefetched from peers and not played yet (for the p2p attribution of cache hits). */
const MAX_PREFETCHED = 512;
/** Segments read from the cache to announce on joining a swarm. */
const MAX_ANNOUNCED_ON_JOIN = 512;
/** Network time assumed before the first network download was measured. */
const NETWORK_FALLBACK_MS = 2000;

export class PeerlaneAgent {
  status: 'starting' | 'running' | 'destroyed' = 'starting';
  private readonly counters = { http: 0, p2p: 0, cache: 0, uploaded: 0 };
  /** What this viewer holds in the cache, per joined swarm. */
  private readonly index = new HaveIndex();
  private readonly network = new ThroughputEstimate();
  private readonly renditions = new RenditionTracker();
  /** Swarms joined, least recently used first. */
  private readonly joined = new Set<string>();
  private readonly prefetchedFromPeers = new BoundedMap<string, true>(MAX_PREFETCHED);
  private readonly unstorable = new BoundedMap<string, true>(MAX_PREFETCHED);
  private readonly bridge: WorkerBridge;
  private readonly media: MediaObserver;
  private readonly signal: SignalClient;
  private readonly pool: PeerPool;
  private readonly fetcher: SegmentFetcher;
  private store: SegmentStore | undefined;
  private storeOpening = false;
  private planQueued = false;
  /** Size of the last segment handed to the player: what a segment probably weighs before its swarm's are known. */
  private lastSegmentBytes = 0;

  constructor(
    private readonly config: PeerlaneConfig,
    private readonly events: TypedEmitter<PeerlaneEvents>,
  ) {
    const now = () => performance.now();
    this.media = new MediaObserver(document, () => this.schedulePlan());
    this.bridge = new WorkerBridge(
      {
        sw: config.sw,
        scope: config.scope,
        settings: workerSettings(config),
        controlTimeoutMs: config.controlTimeoutMs,
      },
      { message: (message) => this.onWorkerMessage(message), connected: () => this.fetcher.reset() },
    );
    this.signal = new SignalClient(config, {
      members: (_swarm, peerIds, newcomers) => {
        this.pool.addMembers(peerIds, newcomers);
        this.schedulePlan();
      },
      incoming: (connection) => this.pool.accept(connection),
      unreachable: (peerId) => this.pool.forget(peerId),
      error: (error) => this.report(error),
    });
    this.pool = new PeerPool(config, {
      selfId: () => this.signal.peerId,
      dial: (peerId) => this.signal.connect(peerId),
      readSegment: async (segmentId) => (await this.store?.get(segmentId))?.data,
      now,
      events: {
        opened: (channel) => {
          for (const swarm of this.joined) channel.announce(swarm, this.index.entries(swarm), true);
          this.events.emit('peer-connected', { peerId: channel.peerId });
        },
        closed: (peerId, reason, wasOpen) => {
          if (wasOpen) this.events.emit('peer-disconnected', { peerId, reason });
          this.schedulePlan();
        },
        announced: (_channel, swarm, segments, full) => {
          // Announced on arrival: at a live edge, fetched from that peer at once (see planPrefetch).
          if (!full)
            this.renditions.announced(
              swarm,
              segments.map((entry) => entry.segmentId),
            );
          this.schedulePlan();
        },
        uploaded: (peerId, segmentId, bytes) => {
          this.counters.uploaded += bytes;
          this.events.emit('segment-uploaded', { segmentId, peerId, bytes });
        },
        misbehaved: (peerId, reason) => this.report(new PeerlaneError('peer-misbehaved', { peerId, reason })),
      },
    });
    this.fetcher = new SegmentFetcher({
      now,
      config,
      holdersOf: (segmentId) => this.pool.holdersOf(segmentId),
      channel: (peerId) => this.pool.channel(peerId),
      playback: () => this.media.state(),
      peersPending: (swarm) => this.signal.awaitingMembers(swarm) || this.pool.connectingCount > 0,
      edgeRank: (segment) => this.edgeRank(segment),
      typicalBytes: (swarm) => this.index.latest(swarm)?.size ?? this.lastSegmentBytes,
      networkMs: (bytes) => this.network.msFor(bytes, NETWORK_FALLBACK_MS),
      respond: (message, transfer) => this.bridge.post(message, transfer),
      prefetched: (segment, data, sha256) => this.keepPrefetched(segment, data, sha256),
      settled: () => this.schedulePlan(),
    });
  }

  /** Resolves once the worker controls the page (the peer side comes up in parallel and never blocks it). */
  async start(): Promise<void> {
    await this.bridge.start();
    if (this.status === 'starting') this.status = 'running';
  }

  stats(): PeerlaneStats {
    const playback = this.media.state();
    return {
      httpBytes: this.counters.http,
      p2pBytes: this.counters.p2p,
      cacheBytes: this.counters.cache,
      uploadedBytes: this.counters.uploaded,
      peers: this.pool.openChannels().length,
      peerId: this.signal.peerId ?? null,
      stalls: playback.stalls,
      bufferAheadSec: playback.bufferAheadSec,
    };
  }

  private onWorkerMessage(message: WorkerToPageMessage): void {
    if (this.status === 'destroyed') return;
    switch (message.type) {
      case 'welcome':
        void this.openStore(message.settings.cacheMaxBytes);
        return;
      case 'manifest':
        this.renditions.update(message.swarm, message.live, message.segments);
        this.join(message.swarm);
        this.schedulePlan();
        return;
      case 'segment-request':
        this.renditions.requested(message.segment);
        this.fetcher.request(message.requestId, message.segment, message.maxWaitMs);
        this.schedulePlan();
        return;
      case 'segment-cancel':
        this.fetcher.cancel(message.requestId);
        return;
      case 'segment-stored':
        this.remember(message.segment.swarm, {
          segmentId: message.segment.id,
          size: message.size,
          sha256: message.sha256,
        });
        return;
      case 'delivered': {
        // A prefetched segment reaches the player from the cache, but its bytes came from a peer.
        const source =
          message.source === 'cache' && this.prefetchedFromPeers.delete(message.segment.id)
            ? 'p2p'
            : message.source;
        this.counters[source] += message.bytes;
        this.lastSegmentBytes = message.bytes;
        if (message.source === 'http') this.network.add(message.bytes, message.ms);
        this.events.emit('segment-loaded', {
          segment: message.segment,
          source,
          bytes: message.bytes,
          ms: message.ms,
        });
        return;
      }
      case 'segment-rejected': {
        const peerId = this.fetcher.senderOf(message.requestId);
        if (peerId) this.pool.ban(peerId, `sent bytes the worker rejected (${message.reason})`);
        return;
      }
      case 'hello-request':
        return; // handled by the bridge
    }
  }

  /** Joins (or refreshes) `swarm`; beyond MAX_JOINED_SWARMS the least recently seen rendition is left. */
  private join(swarm: string): void {
    const known = this.joined.delete(swarm);
    this.joined.add(swarm);
    if (known) return;
    for (const oldest of this.joined) {
      if (this.joined.size <= MAX_JOINED_SWARMS) break;
      this.joined.delete(oldest);
      this.signal.leave(oldest);
      this.index.dropSwarm(oldest);
    }
    this.signal.join(swarm);
    void this.loadSwarm(swarm);
  }

  /** Announces what the cache already holds for `swarm` (from earlier visits or other tabs). */
  private async loadSwarm(swarm: string): Promise<void> {
    const store = this.store;
    if (!store) return;
    // Metadata only: announcing must not read every segment's bytes nor reorder the LRU.
    const entries: HaveEntry[] = (await store.entries(swarm))
      .slice(-MAX_ANNOUNCED_ON_JOIN)
      .map(({ id, size, sha256 }) => ({ segmentId: id, size, sha256 }));
    if (!this.joined.has(swarm) || this.status === 'destroyed') return;
    for (const entry of entries) this.index.add(swarm, entry);
    for (const channel of this.pool.openChannels()) channel.announce(swarm, this.index.entries(swarm), true);
    this.schedulePlan();
  }

  private async openStore(maxBytes: number): Promise<void> {
    if (this.store || this.storeOpening) return;
    this.storeOpening = true;
    try {
      this.store = await openSegmentStore({ maxBytes });
    } catch (error) {
      this.report(new PeerlaneError('cache-unavailable', { cause: describeCause(error) }));
      return;
    } finally {
      this.storeOpening = false;
    }
    if (this.status === 'destroyed') return this.store.close();
    for (const swarm of this.joined) void this.loadSwarm(swarm);
  }

  /** A segment now in the cache: remembered and announced to every peer. */
  private remember(swarm: string, entry: HaveEntry): void {
    if (!this.joined.has(swarm)) return;
    this.index.add(swarm, entry);
    for (const channel of this.pool.openChannels()) channel.announce(swarm, [entry], false);
    this.schedulePlan();
  }

  private async keepPrefetched(segment: SegmentRef, data: ArrayBuffer, sha256: string): Promise<void> {
    const contentType = mediaTypeFor(segment.url);
    const stored = await this.store?.put({ id: segment.id, swarm: segment.swarm, data, sha256, contentType });
    if (this.status === 'destroyed') return;
    // Not storable (quota, cache gone): do not fetch it again and again; the player will get it its own way.
    if (!stored) {
      this.unstorable.set(segment.id, true);
      return;
    }
    this.prefetchedFromPeers.set(segment.id, true);
    this.remember(segment.swarm, { segmentId: segment.id, size: data.byteLength, sha256 });
  }

  /**
   * Re-plans once after the current burst of events (HAVEs, connections, media ticks, completions): requests
   * waiting for arriving peers try again, and free prefetch slots are filled.
   */
  private schedulePlan(): void {
    if (this.planQueued) return;
    this.planQueued = true;
    queueMicrotask(() => {
      this.planQueued = false;
      if (this.status === 'destroyed') return;
      this.fetcher.retryParked();
      this.prefetch();
    });
  }

  private prefetch(): void {
    if (this.status !== 'running' || !this.store) return;
    const ahead = this.renditions.ahead(this.config.prefetchAhead);
    const picks = planPrefetch(
      {
        upcoming: ahead.map((segment) => segment.id),
        isStored: (segmentId) => this.index.has(segmentId) || this.unstorable.has(segmentId),
        isDownloading: (segmentId) => this.fetcher.isDownloading(segmentId),
        holdersOf: (segmentId) => this.pool.holdersOf(segmentId),
        active: this.fetcher.activePrefetches,
        playback: this.media.state(),
        live: this.renditions.live,
      },
      this.config,
    );
    for (const { segmentId, holder } of picks) {
      const segment = ahead.find((candidate) => candidate.id === segmentId);
      if (segment) this.fetcher.prefetch(segment, holder);
    }
  }

  /** Our turn among the swarm's peers to fetch a live segment from the network; null: not live, or alone. */
  private edgeRank(segment: SegmentRef): number | null {
    const selfId = this.signal.peerId;
    if (!selfId || !this.renditions.isLive(segment)) return null;
    const peers = this.pool.swarmPeers(segment.swarm);
    return peers.length === 0 ? null : edgeRank(segment.id, selfId, peers);
  }

  async clear(): Promise<void> {
    await (this.store ? this.store.clear() : emptySegmentCache());
    this.prefetchedFromPeers.clear();
    for (const swarm of this.joined) {
      this.index.dropSwarm(swarm);
      for (const channel of this.pool.openChannels()) channel.announce(swarm, [], true);
    }
  }

  private report(error: PeerlaneError): void {
    reportError(this.events, error);
  }

  destroy(): void {
    if (this.status === 'destroyed') return;
    this.status = 'destroyed';
    this.bridge.destroy();
    this.media.destroy();
    this.fetcher.destroy();
    this.pool.destroy();
    this.signal.stop();
    this.store?.close();
  }
}

/** Empties the origin's segment cache without an agent (before start, or before the worker's welcome). */
export async function emptySegmentCache(): Promise<void> {
  // The size cap only matters to writes; this connection only clears.
  const store = await openSegmentStore({ maxBytes: 0 });
  try {
    await store.clear();
  } finally {
    store.close();
  }
}
