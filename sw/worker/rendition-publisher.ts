// Puts what the worker learns (renditions from manifests, sidx contents, sized progressive files) into the index,
// saves it for a restarted worker, and tells each page's agent the renditions its player uses: one `manifest`
// per swarm, replayed to an agent whose hello came late, and again when the origin's hashes for it arrive.

import type { WorkerToPageMessage } from '../../protocol/bridge/bridge-messages';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { BoundedMap } from '../shared/bounded-map';
import type { AgentBridge } from './agent-bridge';
import type { WorkerLimits } from './config';
import { logWorkerError } from './errors';
import type { IndexRecord } from './index-records';
import type { OriginHashes } from './origin-hashes';
import { pieceCount, pieceRef } from './piece-plan';
import type { SegmentIndex } from './segment-index';

export type ManifestMessage = Extract<WorkerToPageMessage, { type: 'manifest' }>;

export interface RenditionPublisherDeps {
  index: SegmentIndex;
  bridge: Pick<AgentBridge, 'post' | 'broadcast'>;
  /** Saves records (and drops evicted ones) for the next worker instance; failures are logged here. */
  persist(records: IndexRecord[], evicted: string[]): Promise<void>;
  limits: Pick<WorkerLimits, 'maxTrackedClients' | 'maxPlaylists' | 'maxSegmentsPerPlaylist'>;
  /** Origin-published hashes, attached to the segments of every manifest sent. */
  hashes: Pick<OriginHashes, 'attach'>;
}

export interface PublishOptions {
  /** The page whose player loaded the manifest. */
  clientId: string;
  /**
   * 'now': the player loads exactly this rendition (an HLS media playlist, a file it plays). 'when-used': a DASH
   * MPD lists every rendition, the player uses some: each is announced at its first segment request (or now,
   * if this page's agent already knows it: a live refresh).
   */
  announce: 'now' | 'when-used';
  waitUntil(promise: Promise<unknown>): void;
}

export class RenditionPublisher {
  /** Latest record per swarm (its manifest is built when sent), and the swarms each page was told about. */
  private readonly latest: BoundedMap<string, IndexRecord>;
  private readonly announced: BoundedMap<string, BoundedMap<string, true>>;

  constructor(private readonly deps: RenditionPublisherDeps) {
    this.latest = new BoundedMap(deps.limits.maxPlaylists);
    this.announced = new BoundedMap(deps.limits.maxTrackedClients);
  }

  publish(records: IndexRecord[], options: PublishOptions): void {
    const { index } = this.deps;
    let kept: IndexRecord[] = [];
    let evicted: string[] = [];
    for (const record of records) {
      const added = index.add(record);
      kept.push(added.kept);
      evicted.push(...added.evicted);
    }
    // A big MPD can evict records added just before it: save what the index holds in the end.
    kept = kept.filter((record) => index.get(record.url) === record);
    evicted = evicted.filter((url) => index.get(url) === undefined);
    options.waitUntil(
      this.deps
        .persist(kept, evicted)
        .catch((error) =>
          logWorkerError('state-unavailable', { operation: 'save manifests to', reason: String(error) }),
        ),
    );
    for (const record of kept) {
      const swarm = this.remember(record);
      if (!swarm) continue;
      if (options.announce === 'now') this.announce(options.clientId, swarm, true);
      else if (this.announced.get(options.clientId)?.has(swarm))
        this.announce(options.clientId, swarm, false);
    }
  }

  /** The player of `clientId` asked for a segment of `swarm`: its agent learns the rendition if it has not yet. */
  used(clientId: string, swarm: string): void {
    if (!clientId || this.announced.get(clientId)?.has(swarm) || !this.latest.has(swarm)) return;
    this.announce(clientId, swarm, false);
  }

  /** Manifests of the renditions `clientId` uses, for an agent that says hello after its page's player started. */
  manifestsFor(clientId: string): ManifestMessage[] {
    const swarms = this.announced.get(clientId)?.keys() ?? [];
    return [...swarms].flatMap((swarm) => this.manifestOf(this.latest.get(swarm)) ?? []);
  }

  /** The origin's hashes of these segments just arrived: agents told about their renditions hear them again. */
  rehashed(ids: string[]): void {
    const changed = new Set(ids);
    const swarms = new Set<string>();
    for (const [swarm, record] of this.latest) {
      if (this.segmentsOf(record).some((segment) => changed.has(segment.id))) swarms.add(swarm);
    }
    if (swarms.size === 0) return;
    for (const [clientId, told] of this.announced) {
      for (const swarm of told.keys()) {
        const manifest = swarms.has(swarm) && this.manifestOf(this.latest.get(swarm));
        if (manifest) this.deps.bridge.post(clientId, manifest);
      }
    }
  }

  /** Restores what a previous worker instance saved (oldest first, as the index's recency expects). */
  restore(records: IndexRecord[]): void {
    for (const record of records) this.remember(this.deps.index.add(record).kept);
  }

  /** The swarm of a record that has one (renditions, progressive files), now its latest. */
  private remember(record: IndexRecord): string | undefined {
    if (record.kind === 'master') return undefined;
    this.latest.set(record.swarm, record);
    return record.swarm;
  }

  private manifestOf(record: IndexRecord | undefined): ManifestMessage | undefined {
    if (!record || record.kind === 'master') return undefined;
    return {
      type: 'manifest',
      swarm: record.swarm,
      url: record.playerUrl,
      live: record.kind === 'media' && record.live,
      segments: this.segmentsOf(record).map((segment) => this.deps.hashes.attach(segment)),
    };
  }

  private segmentsOf(record: IndexRecord): SegmentRef[] {
    switch (record.kind) {
      case 'master':
        return [];
      case 'media':
        return record.segments;
      case 'progressive': {
        const count = Math.min(pieceCount(record), this.deps.limits.maxSegmentsPerPlaylist);
        return Array.from({ length: count }, (_, index) => pieceRef(record, index));
      }
    }
  }

  /**
   * Posts to the page's agent. `orAny`: when that page has no agent, every agent hears it (one of them may be
   * the page's own, still saying hello); otherwise it waits for the page's hello (manifestsFor).
   */
  private announce(clientId: string, swarm: string, orAny: boolean): void {
    const manifest = this.manifestOf(this.latest.get(swarm));
    if (!manifest) return;
    if (clientId) {
      const swarms = this.announced.get(clientId) ?? new BoundedMap(this.deps.limits.maxPlaylists);
      swarms.set(swarm, true);
      this.announced.set(clientId, swarms);
    }
    if (!this.deps.bridge.post(clientId, manifest) && orAny) this.deps.bridge.broadcast(manifest);
  }
}
