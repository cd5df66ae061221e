// The renditions the worker's playlists describe, and where the player is in the one it plays: the segments
// after its latest request are the window prefetch fills — at a live edge, also those peers announced before
// our own playlist lists them.

import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { BoundedMap } from '../shared/bounded-map';

interface Rendition {
  live: boolean;
  segments: SegmentRef[];
  indexOf: Map<string, number>;
  /** Index of the segment the player asked for last (-1 before any). */
  frontier: number;
  /** Live: segments peers announced that our latest playlist does not list yet (newer than it), oldest first. */
  newer: BoundedMap<string, SegmentRef>;
}

/** Renditions remembered (an ABR ladder rarely has more). */
const MAX_RENDITIONS = 8;
/** Live: announced segments kept ahead of our playlist (a few target durations' worth). */
const MAX_NEWER = 6;

export class RenditionTracker {
  private readonly renditions = new BoundedMap<string, Rendition>(MAX_RENDITIONS);
  private current: string | undefined;

  /** A playlist (first load or live refresh) of the rendition whose swarm is `swarm`. */
  update(swarm: string, live: boolean, segments: SegmentRef[]): void {
    const previous = this.renditions.get(swarm);
    const indexOf = new Map(segments.map((segment, position) => [segment.id, position]));
    // A live playlist slides: the frontier stays on the same segment, at its new position.
    const frontierId = previous?.segments[previous.frontier]?.id;
    const frontier = frontierId === undefined ? -1 : (indexOf.get(frontierId) ?? -1);
    const newer = previous?.newer ?? new BoundedMap<string, SegmentRef>(MAX_NEWER);
    for (const id of [...newer.keys()]) if (indexOf.has(id)) newer.delete(id);
    this.renditions.set(swarm, { live, segments, indexOf, frontier, newer });
    this.current ??= swarm;
  }

  /** The player asked for `segment`: its rendition is the one playing, and this is where it is. */
  requested(segment: SegmentRef): void {
    this.current = segment.swarm;
    const rendition = this.renditions.get(segment.swarm);
    const position = rendition?.indexOf.get(segment.id);
    if (rendition && position !== undefined) rendition.frontier = position;
  }

  /**
   * A peer announced segments it just got (not its full list) in `swarm`. In a live rendition, those our playlist
   * does not list are newer than it: the player will ask for them at its next refresh.
   */
  announced(swarm: string, segmentIds: readonly string[]): void {
    const rendition = this.renditions.get(swarm);
    if (!rendition?.live) return;
    for (const id of segmentIds) {
      // Byte-range ids name part of a resource: no URL to store them under. Live edges are whole segments.
      if (rendition.indexOf.has(id) || rendition.newer.has(id) || id.includes('#')) continue;
      rendition.newer.set(id, { id, swarm, url: id, range: null, durationSec: 0, sequence: -1 });
    }
  }

  /** The rendition playing is live. */
  get live(): boolean {
    return this.current !== undefined && (this.renditions.get(this.current)?.live ?? false);
  }

  /**
   * `segment` belongs to a live rendition (or was announced ahead of one). Every viewer of a live stream plays every
   * segment at about the same time — at the edge, or all together a little behind it when the CDN is slow — so one
   * nobody holds yet is one the whole swarm is about to fetch.
   */
  isLive(segment: SegmentRef): boolean {
    return this.renditions.get(segment.swarm)?.live ?? false;
  }

  /** Up to `count` segments after the player's latest request, in play order. */
  ahead(count: number): SegmentRef[] {
    const rendition = this.current === undefined ? undefined : this.renditions.get(this.current);
    // Live: where the player joins the window is unknown until its first request.
    if (!rendition || (rendition.live && rendition.frontier < 0)) return [];
    const listed = rendition.segments.slice(rendition.frontier + 1, rendition.frontier + 1 + count);
    return [...listed, ...rendition.newer.values()].slice(0, count);
  }
}
