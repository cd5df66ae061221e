// Trusted segment hashes and who may serve a segment: the origin's hash is final, the swarm's first accepted one
// too; holders that announce another hash are banned, at once or as soon as the trusted hash arrives.
import { describe, expect, it, vi } from 'vitest';
import type { Holder } from '../../sw/agent/scheduler';
import { SegmentTrust } from '../../sw/agent/segment-trust';
import { VerifiedHolders } from '../../sw/agent/verified-holders';

const GOOD = 'a'.repeat(64);
const BAD = 'b'.repeat(64);

function holder(peerId: string, sha256: string, size = 100): Holder {
  return { peerId, size, sha256, inFlight: 0, bytesPerMs: undefined };
}

describe('SegmentTrust', () => {
  it('lets the origin override the swarm, never the other way round, and the first swarm hash stand', () => {
    const trust = new SegmentTrust();
    expect(trust.trust('s', { size: 100, sha256: BAD, source: 'swarm' })).toBe(true);
    expect(trust.trust('s', { size: 100, sha256: GOOD, source: 'swarm' })).toBe(false);
    expect(trust.get('s')?.sha256).toBe(BAD);
    expect(trust.trust('s', { size: 100, sha256: GOOD, source: 'origin' })).toBe(true);
    expect(trust.trust('s', { size: 100, sha256: BAD, source: 'swarm' })).toBe(false);
    expect(trust.get('s')).toEqual({ size: 100, sha256: GOOD, source: 'origin' });
  });

  it('judges holders by size and hash; without a trusted hash nobody may serve', () => {
    const trust = new SegmentTrust();
    const holders = [holder('p1', GOOD), holder('p2', BAD), holder('p3', GOOD, 99)];
    expect(trust.judge('s', holders)).toEqual({ usable: [], contradicting: [], unknown: true });
    trust.trust('s', { size: 100, sha256: GOOD, source: 'origin' });
    const verdict = trust.judge('s', holders);
    expect(verdict.usable.map((each) => each.peerId)).toEqual(['p1']);
    expect(verdict.contradicting.map((each) => each.peerId)).toEqual(['p2', 'p3']);
  });
});

describe('VerifiedHolders', () => {
  function setup(announced: Holder[]) {
    const deps = { announcedHolders: vi.fn(() => announced), ban: vi.fn(), want: vi.fn() };
    return { deps, verified: new VerifiedHolders(deps) };
  }

  it('asks for the hash of an announced segment it cannot check, and serves nobody meanwhile', () => {
    const { deps, verified } = setup([holder('p1', GOOD)]);
    verified.announced('p1', 'swarm', [{ segmentId: 's', size: 100, sha256: GOOD }]);
    expect(deps.want).toHaveBeenCalledWith('swarm', 's');
    expect(verified.holdersOf('s')).toEqual([]);
    verified.trusted('s', { size: 100, sha256: GOOD, source: 'swarm' });
    expect(verified.holdersOf('s').map((each) => each.peerId)).toEqual(['p1']);
    expect(deps.ban).not.toHaveBeenCalled();
  });

  it('bans a peer that announces a hash contradicting a trusted one, before it serves a byte', () => {
    const { deps, verified } = setup([holder('liar', BAD), holder('honest', GOOD)]);
    verified.trusted('s', { size: 100, sha256: GOOD, source: 'origin' });
    expect(deps.ban).toHaveBeenCalledWith('liar', expect.stringContaining("the origin's"));
    deps.ban.mockClear();
    verified.announced('liar2', 'swarm', [{ segmentId: 's', size: 100, sha256: BAD }]);
    expect(deps.ban).toHaveBeenCalledWith('liar2', expect.stringContaining('contradicts'));
    expect(deps.want).not.toHaveBeenCalled();
  });

  it('bans liars that announced before the swarm accepted the hash, once it does', () => {
    const { deps, verified } = setup([holder('liar', BAD)]);
    verified.announced('liar', 'swarm', [{ segmentId: 's', size: 100, sha256: BAD }]);
    expect(deps.ban).not.toHaveBeenCalled();
    expect(verified.trusted('s', { size: 100, sha256: GOOD, source: 'swarm' })).toBe(true);
    expect(deps.ban).toHaveBeenCalledWith('liar', expect.stringContaining("the swarm's accepted"));
  });
});
