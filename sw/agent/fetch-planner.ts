// What the agent decides to fetch beyond the player's own requests: upcoming segments to prefetch from verified
// holders (the policy is scheduler.ts), and at a live edge whose turn it is to fetch a new segment from the network
// — among the near peers (our ISP: peer-networks.ts), so each ISP pulls one copy and shares it inside.
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { LOW_UPLINK_KBPS } from '../../protocol/signaling/viewer-state';
import type { PeerlaneConfig } from './config';
import type { HeldSegments } from './held-segments';
import type { MediaObserver } from './media-observer';
import type { PeerNetworks } from './peer-networks';
import type { PeerPool } from './peer-pool';
import { edgeRank } from './peer-wait';
import type { RenditionTracker } from './rendition-tracker';
import { type Holder, planPrefetch } from './scheduler';
import type { SegmentFetcher } from './segment-fetcher';
import type { VerifiedHolders } from './verified-holders';

export interface FetchPlannerDeps {
  renditions: RenditionTracker;
  held: HeldSegments;
  fetcher: SegmentFetcher;
  verified: VerifiedHolders;
  media: MediaObserver;
  pool: PeerPool;
  networks: PeerNetworks;
  /** Our id at the signal server, undefined while offline. */
  selfId(): string | undefined;
  /** The agent runs (started, not destroyed): only then is anything prefetched. */
  running(): boolean;
  /** Peers hold `segment` but no hash is known to check them against: ask the swarm's. */
  askTrust(segment: SegmentRef): void;
}

/** A peer we download from slower than this (800 kbit/s) is not counted on to fetch a live segment for the group. */
const SLOW_PEER_BYTES_PER_MS = 100;
/**
 * A live peer that got a segment of the rendition within this long plays it now (a new one comes every few
 * seconds); one that only holds old segments of it (it switched away, or just connected) fetches nothing new.
 */
const ACTIVE_WITHIN_MS = 8_000;

export class FetchPlanner {
  constructor(
    private readonly config: PeerlaneConfig,
    private readonly deps: FetchPlannerDeps,
  ) {}

  /** Fills free prefetch slots with upcoming segments verified holders have (near ones only, at a grouped edge). */
  prefetch(): void {
    const { renditions, held, fetcher, media } = this.deps;
    if (!this.deps.running() || !held.ready) return;
    const ahead = renditions.ahead(this.config.prefetchAhead);
    for (const segment of ahead) this.deps.askTrust(segment);
    const byId = new Map(ahead.map((segment) => [segment.id, segment]));
    const picks = planPrefetch(
      {
        upcoming: ahead.map((segment) => segment.id),
        isStored: (segmentId) => held.isSettled(segmentId),
        isDownloading: (segmentId) => fetcher.isDownloading(segmentId),
        holdersOf: (segmentId) => {
          const segment = byId.get(segmentId);
          return segment ? this.holdersFor(segment) : [];
        },
        active: fetcher.activePrefetches,
        playback: media.state(),
        live: renditions.live,
      },
      this.config,
    );
    for (const { segmentId, holder } of picks) {
      const segment = byId.get(segmentId);
      if (segment) fetcher.prefetch(segment, holder);
    }
  }

  /**
   * Verified holders of `segment` we may download from: at a live edge where near peers watch with us, near ones
   * only, unless far peers served less than crossNetworkShare of our P2P bytes so far (then a far one serves when
   * no near one can: the scheduler prefers near holders). Each ISP pulls its copy from the CDN, or, within that
   * share, from another ISP.
   */
  holdersFor(segment: SegmentRef): Holder[] {
    const holders = this.deps.verified.holdersOf(segment.id);
    if (!this.grouped(segment) || this.deps.networks.mayTakeFar()) return holders;
    return holders.filter((holder) => holder.near !== false);
  }

  /**
   * A live segment while near peers watch the stream with us (any of our renditions: ABR may have put them on
   * another one for now): our ISP's traffic stays inside, beyond crossNetworkShare. A viewer alone in its ISP is
   * not held to it.
   */
  grouped(segment: SegmentRef): boolean {
    if (!this.deps.renditions.isLive(segment)) return false;
    const active = this.deps.pool.activePeers(null, ACTIVE_WITHIN_MS);
    return active.some((peerId) => this.deps.networks.isNear(peerId));
  }

  /** Our turn among the near peers of the swarm to fetch a live segment from the network; null: not live, or alone. */
  edgeRank(segment: SegmentRef): number | null {
    const { pool, networks } = this.deps;
    const selfId = this.deps.selfId();
    if (!selfId || !this.deps.renditions.isLive(segment)) return null;
    const group = pool.activePeers(segment.swarm, ACTIVE_WITHIN_MS).filter((peerId) => {
      const speed = pool.channel(peerId)?.bytesPerMs;
      return networks.isNear(peerId) && !(speed !== undefined && speed < SLOW_PEER_BYTES_PER_MS);
    });
    if (group.length === 0) return null;
    // A slow uplink goes last: the copy it fetched would reach the others too late anyway.
    const uplink = pool.uplinkKbps;
    if (uplink !== null && uplink < LOW_UPLINK_KBPS) return group.length;
    return edgeRank(segment.id, selfId, group);
  }
}
