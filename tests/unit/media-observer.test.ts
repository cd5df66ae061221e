// Reading playback state from media elements: phases, and which element speaks for the page.
import { describe, expect, it } from 'vitest';
import { addFrames, type MediaSample, phaseOf, summarize } from '../../sw/agent/media-observer';

function sample(extra: Partial<MediaSample>): MediaSample {
  return {
    paused: false,
    autoplay: false,
    ended: false,
    seeking: false,
    readyState: 4,
    started: true,
    bufferAheadSec: 10,
    ...extra,
  };
}

describe('media observer', () => {
  it('tells startup, playing, stalled, paused and idle apart', () => {
    expect(phaseOf(sample({ started: false, readyState: 0 }))).toBe('startup');
    expect(phaseOf(sample({}))).toBe('playing');
    expect(phaseOf(sample({ readyState: 2 }))).toBe('stalled');
    expect(phaseOf(sample({ readyState: 1, seeking: true }))).toBe('playing');
    expect(phaseOf(sample({ paused: true }))).toBe('paused');
    expect(phaseOf(sample({ paused: true, started: false }))).toBe('idle');
    // Autoplay waits for data with the element paused: the viewer is waiting for the first frame all the same.
    expect(phaseOf(sample({ paused: true, started: false, autoplay: true }))).toBe('startup');
    expect(phaseOf(sample({ paused: true, autoplay: true }))).toBe('paused');
    expect(phaseOf(sample({ ended: true }))).toBe('idle');
  });

  it('speaks for the element that plays, and among several the one closest to running dry', () => {
    const paused = sample({ paused: true, bufferAheadSec: 1 });
    const comfortable = sample({ bufferAheadSec: 30 });
    const tight = sample({ bufferAheadSec: 3 });
    expect(summarize([paused, comfortable], 2)).toEqual({ phase: 'playing', bufferAheadSec: 30, stalls: 2 });
    expect(summarize([comfortable, tight, paused], 0)).toEqual({
      phase: 'playing',
      bufferAheadSec: 3,
      stalls: 0,
    });
    expect(summarize([], 0)).toEqual({ phase: 'idle', bufferAheadSec: 0, stalls: 0 });
  });

  it('sums frames shown and dropped across reads, counting a new source from zero', () => {
    const totals = { dropped: 0, total: 0 };
    const seen = { dropped: 0, total: 0 };
    addFrames(totals, seen, { dropped: 2, total: 100 });
    addFrames(totals, seen, { dropped: 3, total: 250 });
    addFrames(totals, seen, { dropped: 0, total: 40 });
    expect(totals).toEqual({ dropped: 3, total: 290 });
  });
});
