// The scheduling rules: deadlines from the player's buffer, peer choice, prefetch gating, early abandon.
import { describe, expect, it } from 'vitest';
import { PEERLANE_DEFAULTS } from '../../sw/agent/config';
import type { PlaybackState } from '../../sw/agent/media-observer';
import { arrivalWaitMs, edgeRank, edgeTurnMs, edgeWaitLimitMs, peerWait } from '../../sw/agent/peer-wait';
import {
  agreeingHolders,
  type Holder,
  isHopeless,
  MAX_DOWNLOADS_PER_PEER,
  MIN_PEER_WINDOW_MS,
  pickHolder,
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

const stalled: PlaybackState = { phase: 'stalled', bufferAheadSec: 0, stalls: 1 };

describe('requestDeadlineMs', () => {
  it('leaves the network enough time before the buffer runs dry while playing', () => {
    // 10 s buffered − 1.5 s margin − 3 s network = 5.5 s, capped by the worker's 4 s.
    expect(requestDeadlineMs(4000, playing(10), 3000, config)).toBe(4000);
    expect(requestDeadlineMs(9000, playing(10), 3000, config)).toBe(5500);
    // 1.6 s − 1.5 s − 0.3 s: no margin left; a fast network wins any race (half of 0.3 s): no peer.
    expect(requestDeadlineMs(9000, playing(1.6), 300, config)).toBeLessThan(MIN_PEER_WINDOW_MS);
  });

  it('lets a peer race a network that cannot keep the margin, never past what the network could spare', () => {
    // 3 s buffered, the network needs 1.5 s: no margin; a peer may take half of 1.5 s and the network still makes it.
    expect(requestDeadlineMs(9000, playing(3), 1500, config)).toBe(750);
    // 2.2 s buffered, the network needs 2 s: only 0.2 s to spare.
    expect(requestDeadlineMs(9000, playing(2.2), 2000, config)).toBeCloseTo(200);
  });

  it('lets a peer race a congested network that cannot avoid the stall, for a share of its time', () => {
    // 2 s buffered, the network needs 5 s: it stalls anyway; a peer may take half of those 5 s.
    expect(requestDeadlineMs(9000, playing(2), 5000, config)).toBe(2500);
    expect(requestDeadlineMs(9000, stalled, 5000, config)).toBe(2500);
    expect(requestDeadlineMs(1000, stalled, 5000, config)).toBe(1000);
    // A fast network wins that race outright: no peer.
    expect(requestDeadlineMs(9000, stalled, 400, config)).toBeLessThan(MIN_PEER_WINDOW_MS);
    // Waiting for peers that may not have it is no race: none while starving.
    expect(arrivalWaitMs(9000, stalled, 5000, config)).toBe(0);
  });

  it('gives peers little while stalled, a short bound at startup, the worker bound when nothing drains', () => {
    expect(requestDeadlineMs(2000, { phase: 'stalled', bufferAheadSec: 0, stalls: 1 }, 400, config)).toBe(
      200,
    );
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
    const fastNetwork = { ...base, networkMs: 300, holders: [holder('a')] };
    expect(planPlayerRequest({ ...fastNetwork, playback: playing(1.6) }, config)).toEqual({
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

describe('pickHolder by network', () => {
  it('takes a holder of our ISP over a faster one elsewhere while ours can make it in time', () => {
    const near = holder('near', { near: true, bytesPerMs: 500 });
    const far = holder('far', { near: false, bytesPerMs: 5000 });
    expect(pickHolder([far, near])?.peerId).toBe('near');
    // 1 MB at 500 bytes/ms is 2 s: too late for a 1 s deadline, so the other ISP's holder serves.
    expect(pickHolder([far, near], 1000)?.peerId).toBe('far');
    expect(pickHolder([far, { ...near, inFlight: MAX_DOWNLOADS_PER_PEER }])?.peerId).toBe('far');
    // Unknown (no tiers from the server) counts as near: without GeoIP nothing changes.
    expect(pickHolder([far, holder('untold', { bytesPerMs: 500 })])?.peerId).toBe('untold');
  });

  it('gives a capped uploader a download only when its pace fits the deadline', () => {
    const capped = holder('capped', { near: true, bytesPerMs: 62 });
    const plan = planPlayerRequest(
      { maxWaitMs: 3000, holders: [capped], playback: playing(20), networkMs: 500 },
      config,
    );
    expect(plan).toEqual({ action: 'miss', reason: 'too-slow' });
  });
});

describe('pickHolder', () => {
  it('spreads requests: among peers about as fast, the one that announced last (not serving it yet)', () => {
    const first = holder('first', { bytesPerMs: 5000, announcedAt: 1000 });
    const fresh = holder('fresh', { bytesPerMs: 4000, announcedAt: 1300 });
    expect(pickHolder([first, fresh])?.peerId).toBe('fresh');
    // Far slower is not "about as fast": speed wins.
    const crawling = holder('crawling', { bytesPerMs: 500, announcedAt: 2000 });
    expect(pickHolder([first, crawling])?.peerId).toBe('first');
  });
});

describe('the live edge', () => {
  const peers = ['p1', 'p2', 'p3', 'p4', 'p5'];

  it('orders the swarm the same way on every peer, a different first for every segment', () => {
    const ranks = peers.map((self) => edgeRank('seg-1', self, peers));
    expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4]);
    // Each peer computes its rank from its own view; the views agree.
    expect(edgeRank('seg-1', 'p3', ['p1', 'p2', 'p4', 'p5'])).toBe(ranks[2]);
    const firsts = new Map<string, number>();
    for (let sequence = 0; sequence < 200; sequence++) {
      const first = peers.find((self) => edgeRank(`seg-${sequence}`, self, peers) === 0) as string;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    // Every peer fetches its share from the network (≈ 40 of 200 each).
    for (const peer of peers) expect(firsts.get(peer) ?? 0).toBeGreaterThan(20);
  });

  it("lets the first in the order go at once, each later one a turn after, or a turn after a peer's fetch", () => {
    expect(edgeTurnMs(0, null)).toBe(0);
    expect(edgeTurnMs(2, null)).toBe(600);
    // A peer said its HAVE is due in 1.2 s: wait for it, and take over one turn after when it does not come.
    expect(edgeTurnMs(1, 1200)).toBe(1500);
  });

  it("never waits at the edge past the worker's bound less a peer transfer, nor into what the buffer needs", () => {
    const request = { maxWaitMs: 2000, playback: playing(8), networkMs: 200 };
    expect(edgeWaitLimitMs(request, config)).toBe(1500);
    // 3.5 s − 1.5 s margin − 0.2 s network − 0.5 s transfer = 1.3 s.
    expect(edgeWaitLimitMs({ ...request, playback: playing(3.5) }, config)).toBeCloseTo(1300);
    // A starving or stalled viewer does not wait at all.
    expect(edgeWaitLimitMs({ ...request, playback: playing(2) }, config)).toBeLessThan(MIN_PEER_WINDOW_MS);
    expect(edgeWaitLimitMs({ ...request, playback: stalled }, config)).toBeLessThan(MIN_PEER_WINDOW_MS);
  });

  it('waits for a peer that said it fetches the segment, also outside the group (alone in its turn)', () => {
    const request = {
      attempt: 0,
      peersPending: false,
      trustPending: false,
      leftMs: 2000,
      playback: playing(8),
      networkMs: 200,
      media: true,
    };
    expect(peerWait({ ...request, rank: 0, fetchedInMs: null }, config)).toBeNull();
    expect(peerWait({ ...request, rank: 2, fetchedInMs: null }, config)).toEqual({
      until: 'holders',
      waitMs: 600,
      edgeLimitMs: 1500,
    });
    expect(peerWait({ ...request, rank: 0, fetchedInMs: 900 }, config)).toMatchObject({ waitMs: 900 });
    expect(peerWait({ ...request, rank: null, fetchedInMs: 900 }, config)).toMatchObject({ waitMs: 900 });
    expect(peerWait({ ...request, rank: 9, fetchedInMs: null }, config)).toMatchObject({ waitMs: 1500 });
    expect(peerWait({ ...request, rank: null, fetchedInMs: null }, config)).toBeNull();
  });

  it("never holds up a session's first media segments; a progressive file's pieces still wait for peers", () => {
    const request = {
      attempt: 0,
      rank: 2,
      fetchedInMs: 900,
      peersPending: true,
      trustPending: true,
      leftMs: 4000,
      playback: { phase: 'startup', bufferAheadSec: 0, stalls: 0 } as PlaybackState,
      networkMs: 200,
      media: true,
    };
    // Nothing buffered before the first frame: the network at once, even with peers arriving or fetching it.
    expect(peerWait(request, config)).toBeNull();
    expect(peerWait({ ...request, attempt: 1 }, config)).toBeNull();
    // A media element asks for a file's first pieces all before its first frame: they wait as before.
    expect(peerWait({ ...request, media: false }, config)).toMatchObject({ until: 'holders' });
    // Once a segment is in, start-up waits as before (within its bound and what the buffer allows).
    const primed = {
      ...request,
      playback: { phase: 'startup', bufferAheadSec: 8, stalls: 0 } as PlaybackState,
    };
    expect(peerWait(primed, config)).toMatchObject({ until: 'holders' });
  });

  it('at a congested CDN, waits within the race window for the one fetch rather than join the crowd', () => {
    // The network needs 3 s and cannot prevent the stall: wait up to half of that for the first fetcher's HAVE.
    const congested = { maxWaitMs: 2000, networkMs: 3000 };
    expect(edgeWaitLimitMs({ ...congested, playback: stalled }, config)).toBe(1500);
    expect(edgeWaitLimitMs({ ...congested, playback: playing(1) }, config)).toBe(1500);
    const request = {
      attempt: 0,
      peersPending: false,
      trustPending: false,
      leftMs: 2000,
      playback: stalled,
      networkMs: 3000,
      media: true,
    };
    expect(peerWait({ ...request, rank: 0, fetchedInMs: 2500 }, config)).toMatchObject({ waitMs: 1500 });
    expect(peerWait({ ...request, rank: 0, fetchedInMs: null }, config)).toBeNull();
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
    live: false,
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
    // Live: the edge is what the player asks for next, whatever the buffer, stalled or not.
    expect(planPrefetch({ ...input, live: true, playback: playing(3) }, config)).toHaveLength(2);
    expect(planPrefetch({ ...input, live: true, playback: stalled }, config)).toHaveLength(2);
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
