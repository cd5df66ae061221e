// What the agent decides to fetch beyond the player's own requests: upcoming segments to prefetch from verified
// holders (the policy is scheduler.ts); which holders, and which peers' announced fetches, a live segment may come
// from — near peers (our ISP: peer-networks.ts), far ones only within the cross-network budget or to race a stall;
// and at a live edge whose turn it is to fetch a new segment from the network, among the near peers, so each ISP
// pulls one copy and shares it inside.
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { LOW_UPLINK_KBPS } from '../../protocol/signaling/viewer-state';
import type { PeerlaneConfig } from './config';
import type { FetchHints } from './fetch-hints';
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
  hints: FetchHints;
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
   * Verified holders of `segment` we may download from: for a live segment, near ones only, unless far peers were
   * asked for less than crossNetworkShare of the bytes we asked peers for so far (then a far one serves when no near
   * one can: the scheduler prefers near holders), or we are `racing`: the network alone would not keep the buffer's
   * margin, and a far peer may shorten a stall. Each ISP pulls its copy from the CDN — also a viewer alone in its
   * ISP, for whom the CDN is the near source — and, within that share, from another ISP.
   */
  holdersFor(segment: SegmentRef, racing = false): Holder[] {
    const holders = this.deps.verified.holdersOf(segment.id);
    if (racing || this.mayTakeFar(segment)) return holders;
    return holders.filter((holder) => holder.near !== false);
  }

  /** When the HAVE is due of a peer we may download `segment` from that said it fetches it; undefined: none. */
  fetchedAt(segment: SegmentRef): number | undefined {
    const anyPeer = this.mayTakeFar(segment);
    return this.deps.hints.dueAt(segment.id, (peerId) => anyPeer || this.deps.networks.isNear(peerId));
  }

  private mayTakeFar(segment: SegmentRef): boolean {
    return !this.deps.renditions.isLive(segment) || this.deps.networks.mayTakeFar();
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
