// What the agent decides to fetch beyond the player's own requests: upcoming segments to prefetch from verified
// holders (the policy is scheduler.ts), and at a live edge whose turn it is to fetch a new segment from the network.
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import type { PeerlaneConfig } from './config';
import type { HeldSegments } from './held-segments';
import type { MediaObserver } from './media-observer';
import type { PeerPool } from './peer-pool';
import { edgeRank } from './peer-wait';
import type { RenditionTracker } from './rendition-tracker';
import { planPrefetch } from './scheduler';
import type { SegmentFetcher } from './segment-fetcher';
import type { VerifiedHolders } from './verified-holders';

export interface FetchPlannerDeps {
  renditions: RenditionTracker;
  held: HeldSegments;
  fetcher: SegmentFetcher;
  verified: VerifiedHolders;
  media: MediaObserver;
  pool: PeerPool;
  /** Our id at the signal server, undefined while offline. */
  selfId(): string | undefined;
  /** The agent runs (started, not destroyed): only then is anything prefetched. */
  running(): boolean;
  /** Peers hold `segment` but no hash is known to check them against: ask the swarm's. */
  askTrust(segment: SegmentRef): void;
  /** The page's event-loop lag now, ms (a loaded page prefetches less). */
  lagMs(): number;
}

export class FetchPlanner {
  constructor(
    private readonly config: PeerlaneConfig,
    private readonly deps: FetchPlannerDeps,
  ) {}

  /** Fills free prefetch slots with upcoming segments verified holders have. */
  prefetch(): void {
    const { renditions, held, fetcher, verified, media } = this.deps;
    if (!this.deps.running() || !held.ready) return;
    const ahead = renditions.ahead(this.config.prefetchAhead);
    for (const segment of ahead) this.deps.askTrust(segment);
    const picks = planPrefetch(
      {
        upcoming: ahead.map((segment) => segment.id),
        isStored: (segmentId) => held.isSettled(segmentId),
        isDownloading: (segmentId) => fetcher.isDownloading(segmentId),
        holdersOf: (segmentId) => verified.holdersOf(segmentId),
        active: fetcher.activePrefetches,
        playback: media.state(),
        live: renditions.live,
      },
      { ...this.config, lagMs: this.deps.lagMs() },
    );
    for (const { segmentId, holder } of picks) {
      const segment = ahead.find((candidate) => candidate.id === segmentId);
      if (segment) fetcher.prefetch(segment, holder);
    }
  }

  /** Our turn among the swarm's peers to fetch a live segment from the network; null: not live, or alone. */
  edgeRank(segment: SegmentRef): number | null {
    const selfId = this.deps.selfId();
    if (!selfId || !this.deps.renditions.isLive(segment)) return null;
    const peers = this.deps.pool.swarmPeers(segment.swarm);
    return peers.length === 0 ? null : edgeRank(segment.id, selfId, peers);
  }
}
