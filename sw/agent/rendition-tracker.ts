// The renditions the worker's playlists describe, and where the player is in the one it plays: the segments
// after its latest request are the window prefetch fills.

import type { SegmentRef } from '../protocol/bridge-messages';
import { BoundedMap } from './bounded-map';

interface Rendition {
  live: boolean;
  segments: SegmentRef[];
  indexOf: Map<string, number>;
  /** Index of the segment the player asked for last (-1 before any). */
  frontier: number;
}

/** Renditions remembered (an ABR ladder rarely has more). */
const MAX_RENDITIONS = 8;

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
    this.renditions.set(swarm, { live, segments, indexOf, frontier });
    this.current ??= swarm;
  }

  /** The player asked for `segment`: its rendition is the one playing, and this is where it is. */
  requested(segment: SegmentRef): void {
    this.current = segment.swarm;
    const rendition = this.renditions.get(segment.swarm);
    const position = rendition?.indexOf.get(segment.id);
    if (rendition && position !== undefined) rendition.frontier = position;
  }

  /** Up to `count` segments after the player's latest request, in play order. */
  ahead(count: number): SegmentRef[] {
    const rendition = this.current === undefined ? undefined : this.renditions.get(this.current);
    // Live: where the player joins the window is unknown until its first request.
    if (!rendition || (rendition.live && rendition.frontier < 0)) return [];
    return rendition.segments.slice(rendition.frontier + 1, rendition.frontier + 1 + count);
  }
}
