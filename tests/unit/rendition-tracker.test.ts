// Where the player is in the rendition it plays, and the prefetch window after it (VoD and a sliding live window).
import { describe, expect, it } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { RenditionTracker } from '../../sw/agent/rendition-tracker';

function segments(swarm: string, from: number, to: number): SegmentRef[] {
  return Array.from({ length: to - from + 1 }, (_, offset) => {
    const sequence = from + offset;
    return {
      id: `${swarm}/${sequence}`,
      swarm,
      url: `https://cdn/${swarm}/${sequence}.ts`,
      range: null,
      durationSec: 2,
      sequence,
    };
  });
}

const ids = (list: SegmentRef[]) => list.map((segment) => segment.id);

describe('RenditionTracker', () => {
  it('offers a VoD from its start before any request, then what follows the latest request', () => {
    const tracker = new RenditionTracker();
    tracker.update('vod', false, segments('vod', 0, 9));
    expect(ids(tracker.ahead(3))).toEqual(['vod/0', 'vod/1', 'vod/2']);
    tracker.requested(segments('vod', 4, 4)[0] as SegmentRef);
    expect(ids(tracker.ahead(3))).toEqual(['vod/5', 'vod/6', 'vod/7']);
    tracker.requested(segments('vod', 2, 2)[0] as SegmentRef); // a seek back
    expect(ids(tracker.ahead(2))).toEqual(['vod/3', 'vod/4']);
  });

  it('waits for the first live request, then keeps its place as the window slides', () => {
    const tracker = new RenditionTracker();
    tracker.update('live', true, segments('live', 100, 105));
    expect(tracker.ahead(3)).toEqual([]);
    tracker.requested(segments('live', 103, 103)[0] as SegmentRef);
    tracker.update('live', true, segments('live', 102, 108));
    expect(ids(tracker.ahead(3))).toEqual(['live/104', 'live/105', 'live/106']);
  });

  it('follows the rendition the player switched to', () => {
    const tracker = new RenditionTracker();
    tracker.update('low', false, segments('low', 0, 9));
    tracker.update('high', false, segments('high', 0, 9));
    tracker.requested(segments('high', 6, 6)[0] as SegmentRef);
    expect(ids(tracker.ahead(2))).toEqual(['high/7', 'high/8']);
  });

  it('adds segments peers announced ahead of a live playlist, until the playlist lists them', () => {
    const tracker = new RenditionTracker();
    tracker.update('live', true, segments('live', 100, 105));
    tracker.requested(segments('live', 104, 104)[0] as SegmentRef);
    tracker.announced('live', ['live/104', 'live/106']);
    expect(ids(tracker.ahead(4))).toEqual(['live/105', 'live/106']);
    expect(tracker.isLive(segments('live', 106, 106)[0] as SegmentRef)).toBe(true);
    tracker.update('live', true, segments('live', 101, 107));
    expect(ids(tracker.ahead(4))).toEqual(['live/105', 'live/106', 'live/107']);
  });

  it('ignores announcements of a VoD (peers are anywhere in it) and byte ranges', () => {
    const tracker = new RenditionTracker();
    tracker.update('vod', false, segments('vod', 0, 9));
    tracker.announced('vod', ['vod/20']);
    tracker.requested(segments('vod', 8, 8)[0] as SegmentRef);
    expect(ids(tracker.ahead(4))).toEqual(['vod/9']);
    expect(tracker.isLive(segments('vod', 9, 9)[0] as SegmentRef)).toBe(false);
    tracker.update('live', true, segments('live', 0, 5));
    tracker.requested(segments('live', 5, 5)[0] as SegmentRef);
    tracker.announced('live', ['https://cdn/live/6.ts#bytes=0-99']);
    expect(tracker.ahead(4)).toEqual([]);
  });
});
