// What this viewer holds in the shared IndexedDB cache, per joined swarm, and announcing it to peers: on joining
// (from earlier visits or other tabs), as segments arrive, and empty after a clear. Also keeps what peers prefetched
// for us, so a cache hit on those bytes counts as p2p.

import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { mediaTypeFor } from '../../protocol/media-type';
import type { HaveEntry } from '../../protocol/peers/peer-wire';
import { openSegmentStore, type SegmentStore } from '../cache/segment-store';
import { BoundedMap } from '../shared/bounded-map';
import { describeCause, PeerlaneError } from './errors';
import { HaveIndex } from './have-index';
import { RecentBytes } from './recent-bytes';

export interface HeldSegmentsDeps {
  isJoined: (swarm: string) => boolean;
  /** Sends the announcement to every open peer. */
  announce: (swarm: string, entries: readonly HaveEntry[], full: boolean) => void;
  /** What we hold changed: plans may change. */
  changed: () => void;
  error: (error: PeerlaneError) => void;
}

/** Segments prefetched from peers and not played yet (for the p2p attribution of cache hits). */
const MAX_PREFETCHED = 512;
/** Segments read from the cache to announce on joining a swarm. */
const MAX_ANNOUNCED_ON_JOIN = 512;
/** Bytes of the newest segments kept in memory for uploads: ~30 s of 720p at 4 Mbit/s. */
const RECENT_BYTES = 16 * 1024 * 1024;

export class HeldSegments {
  private readonly index = new HaveIndex();
  private readonly prefetchedFromPeers = new BoundedMap<string, true>(MAX_PREFETCHED);
  private readonly unstorable = new BoundedMap<string, true>(MAX_PREFETCHED);
  /** Prefetched segments a player request got straight from the transfer (p2p already) before they were stored. */
  private readonly playedBeforeStored = new BoundedMap<string, true>(MAX_PREFETCHED);
  private readonly recent = new RecentBytes(RECENT_BYTES);
  private store: SegmentStore | undefined;
  private opening = false;
  private closed = false;

  constructor(private readonly deps: HeldSegmentsDeps) {}

  /** The cache is open: prefetching into it is possible. */
  get ready(): boolean {
    return this.store !== undefined;
  }

  /** Opens the cache (once; the worker's welcome says its size cap) and announces it in every joined swarm. */
  async open(maxBytes: number, joined: Iterable<string>): Promise<void> {
    if (this.store || this.opening) return;
    this.opening = true;
    try {
      this.store = await openSegmentStore({ maxBytes });
    } catch (error) {
      this.deps.error(new PeerlaneError('cache-unavailable', { cause: describeCause(error) }));
      return;
    } finally {
      this.opening = false;
    }
    if (this.closed) return this.store.close();
    for (const swarm of joined) void this.loadSwarm(swarm);
  }

  /** A held segment's bytes for a peer: from memory when among the newest, else from the cache. */
  read(segmentId: string): Promise<ArrayBuffer | undefined> {
    const recent = this.recent.get(segmentId);
    if (recent) return Promise.resolve(recent);
    return this.store?.readForUpload(segmentId) ?? Promise.resolve(undefined);
  }

  entries(swarm: string): HaveEntry[] {
    return this.index.entries(swarm);
  }

  /** Size of the newest segment we hold in `swarm`. */
  latestSize(swarm: string): number | undefined {
    return this.index.latest(swarm)?.size;
  }

  /** Held, or not storable (quota, cache gone): either way not worth prefetching. */
  isSettled(segmentId: string): boolean {
    return this.index.has(segmentId) || this.unstorable.has(segmentId);
  }

  /** The player got `segmentId` from the cache: true if those bytes came from a peer's prefetch (counted once). */
  playedPrefetch(segmentId: string): boolean {
    return this.prefetchedFromPeers.delete(segmentId);
  }

  /**
   * The player got `segmentId` from a peer (counted as p2p): a prefetch of it must not count again when the player
   * reads it from the cache later (a seek back, or the next range request of a progressive file). Either order:
   * the prefetch may be stored before or after this delivery.
   */
  deliveredFromPeer(segmentId: string): void {
    if (!this.prefetchedFromPeers.delete(segmentId)) this.playedBeforeStored.set(segmentId, true);
  }

  /** Announces what the cache already holds for `swarm` (from earlier visits or other tabs). */
  async loadSwarm(swarm: string): Promise<void> {
    const store = this.store;
    if (!store) return;
    // Metadata only: announcing must not read every segment's bytes nor reorder the LRU.
    const entries: HaveEntry[] = (await store.entries(swarm))
      .slice(-MAX_ANNOUNCED_ON_JOIN)
      .map(({ id, size, sha256 }) => ({ segmentId: id, size, sha256 }));
    if (!this.deps.isJoined(swarm) || this.closed) return;
    for (const entry of entries) this.index.add(swarm, entry);
    this.deps.announce(swarm, this.index.entries(swarm), true);
    this.deps.changed();
  }

  dropSwarm(swarm: string): void {
    for (const { segmentId } of this.index.entries(swarm)) this.recent.delete(segmentId);
    this.index.dropSwarm(swarm);
  }

  /** A segment now in the cache (`data`: its bytes, if at hand): remembered and announced to every peer. */
  remember(swarm: string, entry: HaveEntry, data?: ArrayBuffer): void {
    if (!this.deps.isJoined(swarm)) return;
    this.index.add(swarm, entry);
    if (data) this.recent.set(entry.segmentId, data);
    this.deps.announce(swarm, [entry], false);
    this.deps.changed();
  }

  /**
   * A hash of the origin's strength says `segmentId` is other bytes than the ones we hold (a bad network answer
   * stored before the hash was known): no longer announced, so no peer asks us for it.
   */
  dropContradicted(swarm: string, segmentId: string, trusted: { size: number; sha256: string }): void {
    const held = this.index.get(segmentId);
    if (!held || (held.size === trusted.size && held.sha256 === trusted.sha256)) return;
    this.index.remove(segmentId);
    if (this.deps.isJoined(swarm)) this.deps.announce(swarm, this.index.entries(swarm), true);
  }

  /** Stores a segment a peer sent for the cache (verified already), then announces it. */
  async keepPrefetched(segment: SegmentRef, data: ArrayBuffer, sha256: string): Promise<void> {
    const contentType = mediaTypeFor(segment.url);
    const stored = await this.store?.put({ id: segment.id, swarm: segment.swarm, data, sha256, contentType });
    if (this.closed) return;
    // Not storable (quota, cache gone): do not fetch it again and again; the player will get it its own way.
    if (!stored) {
      this.unstorable.set(segment.id, true);
      return;
    }
    if (!this.playedBeforeStored.delete(segment.id)) this.prefetchedFromPeers.set(segment.id, true);
    this.remember(segment.swarm, { segmentId: segment.id, size: data.byteLength, sha256 }, data);
  }

  /** Empties the cache and tells every peer of `joined` swarms we hold nothing any more. */
  async clear(joined: Iterable<string>): Promise<void> {
    await (this.store ? this.store.clear() : emptySegmentCache());
    this.prefetchedFromPeers.clear();
    this.recent.clear();
    for (const swarm of joined) {
      this.index.dropSwarm(swarm);
      this.deps.announce(swarm, [], true);
    }
  }

  close(): void {
    this.closed = true;
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
