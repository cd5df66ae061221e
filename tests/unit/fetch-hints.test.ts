// Peers' announced fetches of live segments (FETCHING): when each one's HAVE is due, kept and broken promises, and
// telling our own peers once per segment.
import { describe, expect, it, vi } from 'vitest';
import { ANNOUNCE_SLACK_MS, FetchHints } from '../../sw/agent/fetch-hints';

function hints() {
  let now = 1000;
  const tell = vi.fn();
  const fetchHints = new FetchHints({ now: () => now, tell });
  return { fetchHints, tell, advance: (ms: number) => (now += ms), now: () => now };
}

const anyone = () => true;

describe('FetchHints', () => {
  it('expects the HAVE of a peer fetching a segment by its ETA plus the time to store and announce it', () => {
    const { fetchHints, now } = hints();
    expect(fetchHints.dueAt('seg-1', anyone)).toBeUndefined();
    fetchHints.heard('a', 'seg-1', 400);
    expect(fetchHints.dueAt('seg-1', anyone)).toBe(now() + 400 + ANNOUNCE_SLACK_MS);
    // Of two peers fetching it, the wait lasts as long as one of them may still deliver.
    fetchHints.heard('b', 'seg-1', 900);
    expect(fetchHints.dueAt('seg-1', anyone)).toBe(now() + 900 + ANNOUNCE_SLACK_MS);
    // Only peers we may download from count (a far peer beyond the cross-network budget does not).
    expect(fetchHints.dueAt('seg-1', (peerId) => peerId === 'a')).toBe(now() + 400 + ANNOUNCE_SLACK_MS);
    expect(fetchHints.dueAt('seg-1', () => false)).toBeUndefined();
  });

  it('ends the wait when the peer announces the segment, leaves, or is past due', () => {
    const { fetchHints, advance } = hints();
    fetchHints.heard('a', 'seg-1', 400);
    fetchHints.announced('a', ['seg-1']);
    expect(fetchHints.dueAt('seg-1', anyone)).toBeUndefined();
    fetchHints.heard('a', 'seg-2', 400);
    fetchHints.forget('a');
    expect(fetchHints.dueAt('seg-2', anyone)).toBeUndefined();
    fetchHints.heard('a', 'seg-3', 400);
    advance(400 + ANNOUNCE_SLACK_MS);
    expect(fetchHints.dueAt('seg-3', anyone)).toBeUndefined();
  });

  it('believes a peer at most 10 s ahead, and not at all after three fetches in a row that never came', () => {
    const { fetchHints, advance, now } = hints();
    fetchHints.heard('liar', 'seg-0', 60_000);
    expect(fetchHints.dueAt('seg-0', anyone)).toBe(now() + 10_000 + ANNOUNCE_SLACK_MS);
    for (const segment of ['seg-1', 'seg-2', 'seg-3']) {
      fetchHints.heard('liar', segment, 100);
      advance(100 + ANNOUNCE_SLACK_MS);
      fetchHints.dueAt(segment, anyone);
    }
    fetchHints.heard('liar', 'seg-4', 100);
    expect(fetchHints.dueAt('seg-4', anyone)).toBeUndefined();
    // Believed again later; a kept promise clears its record.
    advance(30_000);
    fetchHints.heard('liar', 'seg-5', 100);
    expect(fetchHints.dueAt('seg-5', anyone)).toBeDefined();
  });

  it('tells our peers once per segment we fetch from the network', () => {
    const { fetchHints, tell } = hints();
    fetchHints.fetching('seg-1', 350);
    fetchHints.fetching('seg-1', 350);
    fetchHints.fetching('seg-2', 500);
    expect(tell.mock.calls).toEqual([
      ['seg-1', 350],
      ['seg-2', 500],
    ]);
  });
});
