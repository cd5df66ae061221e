// Counts the media bytes the origin writes, per viewer and in total: the CDN's egress, which the swarm
// harness compares with and without Peerlane (bytes on the wire, aborted responses included).

export type MediaKind = 'segment' | 'playlist';

export interface Traffic {
  segmentBytes: number;
  playlistBytes: number;
  /** Media responses started (any status), per kind. */
  segments: number;
  playlists: number;
}

export interface TrafficSnapshot {
  total: Traffic;
  /** Per viewer id (see viewer-id.ts); viewers beyond the table's bound are counted under OTHER_VIEWERS. */
  viewers: Record<string, Traffic>;
}

/** Viewers with their own row; a larger crowd (or unnamed connections) shares one row, totals stay exact. */
export const MAX_METERED_VIEWERS = 1024;
export const OTHER_VIEWERS = 'other';

export function emptyTraffic(): Traffic {
  return { segmentBytes: 0, playlistBytes: 0, segments: 0, playlists: 0 };
}

export class TrafficMeter {
  private readonly total = emptyTraffic();
  private readonly viewers = new Map<string, Traffic>();

  responded(viewer: string, kind: MediaKind): void {
    for (const traffic of [this.total, this.rowOf(viewer)])
      traffic[kind === 'segment' ? 'segments' : 'playlists']++;
  }

  wrote(viewer: string, kind: MediaKind, bytes: number): void {
    for (const traffic of [this.total, this.rowOf(viewer)])
      traffic[kind === 'segment' ? 'segmentBytes' : 'playlistBytes'] += bytes;
  }

  snapshot(): TrafficSnapshot {
    const viewers: Record<string, Traffic> = {};
    for (const [viewer, traffic] of this.viewers) viewers[viewer] = { ...traffic };
    return { total: { ...this.total }, viewers };
  }

  private rowOf(viewer: string): Traffic {
    const known = this.viewers.get(viewer);
    if (known) return known;
    const key = this.viewers.size < MAX_METERED_VIEWERS ? viewer : OTHER_VIEWERS;
    const row = this.viewers.get(key) ?? emptyTraffic();
    this.viewers.set(key, row);
    return row;
  }
}
