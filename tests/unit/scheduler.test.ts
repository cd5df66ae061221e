// The scheduling rules: deadlines from the player's buffer, peer choice, prefetch gating, early abandon.
import { describe, expect, it } from 'vitest';
import { PEERLANE_DEFAULTS } from '../../sw/agent/config';
import type { PlaybackState } from '../../sw/agent/media-observer';
import {
  agreeingHolders,
  arrivalWaitMs,
  type Holder,
  isHopeless,
  MAX_DOWNLOADS_PER_PEER,
  planPlayerRequest,
  planPrefetch,
  prefetchDeadlineMs,
  requestDeadlineMs,
  type SchedulerConfig,
} from '../../sw/agent/scheduler';

// The defaults, with a short prefetch window so the tests can see its edge.
const config: SchedulerConfig = { ...PEERLANE_DEFAULTS, prefetchAhead: 4 };
const SHA = 'a'.repeat(64);

function holder(peerId: string, extra: Partial<Holder> = {}): Holder {
  return { peerId, size: 1_000_000, sha256: SHA, inFlight: 0, bytesPerMs: undefined, ...extra };
}

function playing(bufferAheadSec: number): PlaybackState {
  return { phase: 'playing', bufferAheadSec, stalls: 0 };
}

describe('requestDeadlineMs', () => {
  it('leaves the network enough time before the buffer runs dry while playing', () => {
    // 10 s buffered − 1.5 s margin − 3 s network = 5.5 s, capped by the worker's 4 s.
    expect(requestDeadlineMs(4000, playing(10), 3000, config)).toBe(4000);
    expect(requestDeadlineMs(9000, playing(10), 3000, config)).toBe(5500);
    expect(requestDeadlineMs(9000, playing(3), 2000, config)).toBeLessThan(0);
  });

  it('gives peers nothing while stalled, a short bound at startup, the worker bound when nothing drains', () => {
    expect(requestDeadlineMs(2000, { phase: 'stalled', bufferAheadSec: 0, stalls: 1 }, 500, config)).toBe(0);
    expect(requestDeadlineMs(5000, { phase: 'startup', bufferAheadSec: 0, stalls: 0 }, 500, config)).toBe(
      1500,
    );
    // The first segment is in and playback is about to start: its 2 s will drain.
    const primed: PlaybackState = { phase: 'startup', bufferAheadSec: 2, stalls: 0 };
    expect(requestDeadlineMs(5000, primed, 100, config)).toBe(400);
    expect(requestDeadlineMs(2000, { phase: 'paused', bufferAheadSec: 1, stalls: 0 }, 9000, config)).toBe(
      2000,
    );
    expect(requestDeadlineMs(2000, { phase: 'idle', bufferAheadSec: 0, stalls: 0 }, 9000, config)).toBe(2000);
  });

  it('counts time already spent waiting for peers against the fixed budgets', () => {
    const startup: PlaybackState = { phase: 'startup', bufferAheadSec: 0, stalls: 0 };
    expect(requestDeadlineMs(5000, startup, 500, config, 600)).toBe(900);
    expect(requestDeadlineMs(2000, { phase: 'paused', bufferAheadSec: 1, stalls: 0 }, 500, config, 600)).toBe(
      1400,
    );
    expect(requestDeadlineMs(9000, playing(10), 3000, config, 600)).toBe(5500);
  });
});

describe('arrivalWaitMs', () => {
  it('waits at most a second for peers still arriving, and never longer than the deadline allows', () => {
    expect(arrivalWaitMs(2000, playing(20), 1000, config)).toBe(1000);
    expect(arrivalWaitMs(500, playing(20), 1000, config)).toBe(500);
    expect(arrivalWaitMs(2000, { phase: 'stalled', bufferAheadSec: 0, stalls: 1 }, 1000, config)).toBe(0);
  });
});

describe('planPlayerRequest', () => {
  const base = { maxWaitMs: 2000, playback: playing(20), networkMs: 1000 };

  it('misses at once when no peer has the segment or the buffer is too low to risk a peer', () => {
    expect(planPlayerRequest({ ...base, holders: [] }, config)).toEqual({
      action: 'miss',
      reason: 'no-peer',
    });
    expect(planPlayerRequest({ ...base, holders: [holder('a')], playback: playing(2.5) }, config)).toEqual({
      action: 'miss',
      reason: 'buffer-low',
    });
  });

  it('picks the peer expected to finish first, counting what it already sends us', () => {
    const slowIdle = holder('slow', { bytesPerMs: 2000 });
    const fastBusy = holder('fast', { bytesPerMs: 5000, inFlight: 1 }); // 400 ms vs 500 ms
    const plan = planPlayerRequest({ ...base, holders: [slowIdle, fastBusy] }, config);
    expect(plan).toMatchObject({ action: 'peer', holder: { peerId: 'fast' }, deadlineMs: 2000 });
    const fastFull = { ...fastBusy, inFlight: MAX_DOWNLOADS_PER_PEER };
    expect(planPlayerRequest({ ...base, holders: [slowIdle, fastFull] }, config)).toMatchObject({
      holder: { peerId: 'slow' },
    });
    expect(planPlayerRequest({ ...base, holders: [fastFull] }, config)).toEqual({
      action: 'miss',
      reason: 'peers-busy',
    });
  });

  it('does not start a peer known to be too slow for the deadline', () => {
    const crawler = holder('crawler', { bytesPerMs: 100 }); // 10 s for 1 MB
    expect(planPlayerRequest({ ...base, holders: [crawler] }, config)).toEqual({
      action: 'miss',
      reason: 'too-slow',
    });
  });

  it('ignores a lone peer whose announced hash disagrees with the others', () => {
    const liar = holder('liar', { sha256: 'b'.repeat(64), bytesPerMs: 1e6 });
    const plan = planPlayerRequest({ ...base, holders: [liar, holder('x'), holder('y')] }, config);
    expect(plan).toMatchObject({ action: 'peer' });
    expect(plan.action === 'peer' && plan.holder.peerId).not.toBe('liar');
    expect(agreeingHolders([liar, holder('x'), holder('y')]).map((h) => h.peerId)).toEqual(['x', 'y']);
  });
});

describe('planPrefetch', () => {
  const everyoneHas = () => [holder('a'), holder('b')];
  const input = {
    upcoming: ['s1', 's2', 's3', 's4', 's5', 's6'],
    isStored: () => false,
    isDownloading: () => false,
    holdersOf: everyoneHas,
    active: 0,
    playback: playing(20),
  };

  it('fills the free slots nearest the playhead first, spread over peers', () => {
    const picks = planPrefetch(input, config);
    expect(picks.map((pick) => pick.segmentId)).toEqual(['s1', 's2']);
    expect(new Set(picks.map((pick) => pick.holder.peerId)).size).toBe(2);
  });

  it('skips what is stored or downloading and stays within prefetchAhead', () => {
    const picks = planPrefetch(
      { ...input, isStored: (id) => id === 's1', isDownloading: (id) => id === 's2', active: 1 },
      config,
    );
    expect(picks.map((pick) => pick.segmentId)).toEqual(['s3']);
    const noneWithinReach = planPrefetch({ ...input, isStored: (id) => id < 's5' }, config);
    expect(noneWithinReach).toEqual([]);
  });

  it('leaves out peers known to crawl', () => {
    const crawlers = () => [holder('a', { bytesPerMs: 50 })]; // 20 s for 1 MB
    expect(planPrefetch({ ...input, holdersOf: crawlers }, config)).toEqual([]);
  });

  it('waits while the buffer is low or playback stalls, and when disabled', () => {
    expect(planPrefetch({ ...input, playback: playing(3) }, config)).toEqual([]);
    expect(
      planPrefetch({ ...input, playback: { phase: 'stalled', bufferAheadSec: 0, stalls: 1 } }, config),
    ).toEqual([]);
    expect(planPrefetch(input, { ...config, prefetch: false })).toEqual([]);
    // Before playback starts the buffer is empty by definition: prefetch is what fills it.
    expect(
      planPrefetch({ ...input, playback: { phase: 'startup', bufferAheadSec: 0, stalls: 0 } }, config),
    ).toHaveLength(2);
  });
});

describe('isHopeless and prefetchDeadlineMs', () => {
  it('gives up on a transfer whose pace cannot meet the time left, not on one that just started', () => {
    expect(isHopeless({ elapsedMs: 100, receivedBytes: 1, totalBytes: 1_000_000, remainingMs: 1000 })).toBe(
      false,
    );
    // 10 % in 1 s: 9 s more needed, 2 s left.
    expect(
      isHopeless({ elapsedMs: 1000, receivedBytes: 100_000, totalBytes: 1_000_000, remainingMs: 2000 }),
    ).toBe(true);
    // 50 % in 1 s: 1 s more needed, 2 s left.
    expect(
      isHopeless({ elapsedMs: 1000, receivedBytes: 500_000, totalBytes: 1_000_000, remainingMs: 2000 }),
    ).toBe(false);
    expect(isHopeless({ elapsedMs: 0, receivedBytes: 0, totalBytes: 10, remainingMs: 0 })).toBe(true);
  });

  it('bounds a prefetch by its expected time, within a minimum and a maximum', () => {
    expect(prefetchDeadlineMs(holder('a', { bytesPerMs: 1e6 }))).toBe(10_000);
    expect(prefetchDeadlineMs(holder('a', { bytesPerMs: 200 }))).toBe(20_000);
    expect(prefetchDeadlineMs(holder('a', { bytesPerMs: 10 }))).toBe(30_000);
  });
});
