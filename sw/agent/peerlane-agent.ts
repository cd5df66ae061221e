// The page agent: wires the worker bridge, the signal client, the peer pool, the segment fetcher, the fetch planner,
// the peers' announced fetches, the media observer and the QoE reports together; emits the public events
// (peerlane-events.ts).

import type { WorkerToPageMessage } from '../../protocol/bridge/bridge-messages';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { useAcceptedHashes } from './accepted-hashes';
import { type PeerlaneConfig, workerSettings } from './config';
import { DeliveryStats } from './delivery-stats';
import { PeerlaneError, reportError } from './errors';
import { FetchHints } from './fetch-hints';
import { FetchPlanner } from './fetch-planner';
import { HashExchange } from './hash-exchange';
import { HeldSegments } from './held-segments';
import { JoinedSwarms } from './joined-swarms';
import { MediaObserver } from './media-observer';
import { PeerPool } from './peer-pool';
import type { PeerlaneEvents, PeerlaneStats } from './peerlane-events';
import { QoeReporter } from './qoe-reporter';
import { RenditionTracker } from './rendition-tracker';
import { SegmentFetcher } from './segment-fetcher';
import { SignalClient } from './signal-client';
import type { TypedEmitter } from './typed-emitter';
import { VerifiedHolders } from './verified-holders';
import { ViewerStateReporter } from './viewer-state-reporter';
import { WorkerBridge } from './worker-bridge';

export class PeerlaneAgent {
  status: 'starting' | 'running' | 'destroyed' = 'starting';
  private readonly renditions = new RenditionTracker();
  private readonly joined = new JoinedSwarms({
    joined: (swarm) => {
      this.signal.join(swarm);
      void this.held.loadSwarm(swarm);
    },
    left: (swarm) => {
      this.signal.leave(swarm);
      this.hashes.forgetSwarm(swarm);
      this.held.dropSwarm(swarm);
    },
  });
  private readonly bridge: WorkerBridge;
  private readonly media: MediaObserver;
  private readonly signal: SignalClient;
  private readonly pool: PeerPool;
  private readonly fetcher: SegmentFetcher;
  private readonly hashes: HashExchange;
  private readonly verified: VerifiedHolders;
  private readonly held: HeldSegments;
  private readonly delivery: DeliveryStats;
  private readonly hints: FetchHints;
  private readonly planner: FetchPlanner;
  private readonly reporter: ViewerStateReporter;
  private readonly qoe: QoeReporter | null;
  private planQueued = false;

  constructor(
    config: PeerlaneConfig,
    private readonly events: TypedEmitter<PeerlaneEvents>,
  ) {
    const now = () => performance.now();
    this.media = new MediaObserver(document, () => {
      this.qoe?.mediaChanged();
      this.schedulePlan();
    });
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
      members: (_swarm, peerIds, newcomers, networks) => {
        this.pool.networks.learn(peerIds, networks);
        this.pool.addMembers(peerIds, newcomers);
        this.schedulePlan();
      },
      incoming: (connection) => this.pool.accept(connection),
      unreachable: (peerId) => this.pool.forget(peerId),
      connected: () => this.hashes.reconnected(),
      qoeSession: (token) => this.qoe?.sessionIssued(token),
      hashes: (swarm, hashes) => {
        this.hashes.answered(swarm, hashes);
        const { verified, held, bridge } = this;
        useAcceptedHashes(swarm, hashes, { verified, held, toWorker: (message) => bridge.post(message) });
        this.schedulePlan();
      },
      error: (error) => this.report(error),
    });
    this.hashes = new HashExchange({ now, send: (message) => this.signal.send(message) });
    this.pool = new PeerPool(config, {
      selfId: () => this.signal.peerId,
      dial: (peerId) => this.signal.connect(peerId),
      readSegment: (segmentId) => this.held.read(segmentId),
      now,
      events: {
        opened: (channel) => {
          for (const swarm of this.joined) channel.announce(swarm, this.held.entries(swarm), true);
          this.events.emit('peer-connected', { peerId: channel.peerId });
        },
        closed: (peerId, reason, wasOpen) => {
          if (wasOpen) this.events.emit('peer-disconnected', { peerId, reason });
          this.hints.forget(peerId);
          this.schedulePlan();
        },
        announced: (channel, swarm, segments, full) => {
          if (this.joined.has(swarm)) this.verified.announced(channel.peerId, swarm, segments);
          // Announced on arrival: at a live edge, fetched from that peer at once (see planPrefetch).
          const ids = segments.map((entry) => entry.segmentId);
          this.hints.announced(channel.peerId, ids);
          if (!full) this.renditions.announced(swarm, ids);
          this.schedulePlan();
        },
        uploaded: (peerId, segmentId, bytes) => this.delivery.uploaded(peerId, segmentId, bytes),
        fetching: (peerId, segmentId, etaMs) => {
          this.hints.heard(peerId, segmentId, etaMs);
          this.schedulePlan();
        },
        misbehaved: (peerId, reason) => {
          for (const swarm of this.joined) this.hashes.reportPeer(swarm, peerId, reason);
          this.report(new PeerlaneError('peer-misbehaved', { peerId, reason }));
        },
      },
    });
    this.verified = new VerifiedHolders({
      announcedHolders: (segmentId) => this.pool.holdersOf(segmentId),
      ban: (peerId, reason) => this.pool.ban(peerId, reason),
      want: (swarm, segmentId) => this.hashes.want(swarm, segmentId),
    });
    this.held = new HeldSegments({
      isJoined: (swarm) => this.joined.has(swarm),
      announce: (swarm, entries, full) => {
        for (const channel of this.pool.openChannels()) channel.announce(swarm, entries, full);
      },
      changed: () => this.schedulePlan(),
      error: (error) => this.report(error),
    });
    this.delivery = new DeliveryStats(this.held, events);
    const typicalBytes = (swarm: string) => this.held.latestSize(swarm) ?? this.delivery.lastSegmentBytes;
    this.hints = new FetchHints({
      now,
      tell: (segmentId, etaMs) => {
        for (const channel of this.pool.openChannels()) channel.tellFetching(segmentId, etaMs);
      },
    });
    this.fetcher = new SegmentFetcher({
      now,
      config,
      holdersOf: (segment, racing) => this.planner.holdersFor(segment, racing),
      channel: (peerId) => this.pool.channel(peerId),
      playback: () => this.media.state(),
      // A hash answer on its way may make announced holders usable.
      peersPending: (swarm) =>
        this.signal.awaitingMembers(swarm) || this.pool.connectingCount > 0 || this.hashes.awaiting(swarm),
      trustPending: ({ id, swarm }) => this.hashes.servesOriginHashes(swarm) && this.verified.awaitsHash(id),
      edgeRank: (segment) => this.planner.edgeRank(segment),
      fetchedAt: (segment) => this.planner.fetchedAt(segment),
      toNetwork: (segment) => {
        const etaMs = this.delivery.networkMs(typicalBytes(segment.swarm));
        if (this.renditions.isLive(segment)) this.hints.fetching(segment.id, etaMs);
      },
      typicalBytes,
      networkMs: (bytes) => this.delivery.networkMs(bytes),
      respond: (message, transfer) => this.bridge.post(message, transfer),
      prefetched: (segment, data, sha256) => this.held.keepPrefetched(segment, data, sha256),
      settled: () => this.schedulePlan(),
    });
    this.planner = new FetchPlanner(config, {
      renditions: this.renditions,
      held: this.held,
      fetcher: this.fetcher,
      verified: this.verified,
      media: this.media,
      pool: this.pool,
      networks: this.pool.networks,
      hints: this.hints,
      selfId: () => this.signal.peerId,
      running: () => this.status === 'running',
      askTrust: (segment) => this.askTrust(segment),
    });
    this.reporter = new ViewerStateReporter(this.signal, this.media, this.renditions, this.pool);
    const counters = () => ({ ...this.delivery.bytes, peers: this.pool.openChannels().length });
    const send = this.signal.send.bind(this.signal);
    this.qoe = config.qoe ? new QoeReporter(config, { media: this.media, counters, send, events }) : null;
  }

  /** Resolves once the worker controls the page (the peer side comes up in parallel and never blocks it). */
  async start(): Promise<void> {
    await this.bridge.start();
    if (this.status === 'starting') this.status = 'running';
  }

  stats(): PeerlaneStats {
    const playback = this.media.state();
    return {
      ...this.delivery.byteStats(),
      peers: this.pool.openChannels().length,
      peerId: this.signal.peerId ?? null,
      bannedPeers: this.pool.bannedPeers(),
      stalls: playback.stalls,
      bufferAheadSec: playback.bufferAheadSec,
      qoe: this.qoe?.stats() ?? null,
    };
  }

  private onWorkerMessage(message: WorkerToPageMessage): void {
    if (this.status === 'destroyed') return;
    switch (message.type) {
      case 'welcome':
        void this.held.open(message.settings.cacheMaxBytes, this.joined);
        return;
      case 'manifest':
        for (const segment of message.segments) this.trustOrigin(segment);
        this.renditions.update(message.swarm, message.live, message.segments);
        this.joined.touch(message.swarm);
        this.schedulePlan();
        return;
      case 'segment-request':
        this.trustOrigin(message.segment);
        this.askTrust(message.segment);
        this.renditions.requested(message.segment);
        this.fetcher.request(message.requestId, message.segment, message.maxWaitMs);
        this.schedulePlan();
        return;
      case 'segment-cancel':
        this.fetcher.cancel(message.requestId);
        return;
      case 'segment-stored': {
        const { segment, size, sha256 } = message;
        // Our vote: bytes from the network are independent evidence (bytes from a peer are not).
        if (message.source === 'http' && !this.verified.isTrusted(segment.id, 'origin'))
          this.hashes.report(segment.swarm, segment.id, size, sha256);
        this.held.remember(segment.swarm, { segmentId: segment.id, size, sha256 }, message.data);
        return;
      }
      case 'delivered':
        this.delivery.delivered(message);
        return;
      case 'segment-rejected': {
        const peerId = this.fetcher.senderOf(message.requestId);
        if (peerId) this.pool.ban(peerId, `sent bytes the worker rejected (${message.reason})`);
        return;
      }
      case 'hello-request':
        return; // handled by the bridge
    }
  }

  /** The origin published this segment's hash (its sidecar, read by the worker): the strongest trust. */
  private trustOrigin(segment: SegmentRef): void {
    if (segment.originHash) this.verified.trusted(segment.id, { ...segment.originHash, source: 'origin' });
  }

  /** Peers hold `segment` but we know no hash to check them against: ask the swarm's (announced before we joined). */
  private askTrust(segment: SegmentRef): void {
    if (this.verified.awaitsHash(segment.id)) this.hashes.want(segment.swarm, segment.id);
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
      this.planner.prefetch();
    });
  }

  clear(): Promise<void> {
    return this.held.clear(this.joined);
  }

  private report(error: PeerlaneError): void {
    reportError(this.events, error);
  }

  destroy(): void {
    if (this.status === 'destroyed') return;
    this.status = 'destroyed';
    this.qoe?.destroy();
    this.bridge.destroy();
    this.media.destroy();
    this.reporter.destroy();
    this.fetcher.destroy();
    this.hashes.destroy();
    this.pool.destroy();
    this.signal.stop();
    this.held.close();
  }
}
