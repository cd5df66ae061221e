// The swarm registry's sampling (bounded, distinct, unbiased, never the joiner) and the ranking seam.
import { describe, expect, it } from 'vitest';
import { createRanking } from '../../signal-server/swarms/rank-peers';
import { InMemorySwarmRegistry } from '../../signal-server/swarms/swarms';

describe('swarm registry and ranking', () => {
  it('samples distinct members without the excluded one, at most count, and forgets empty swarms', () => {
    const registry = new InMemorySwarmRegistry();
    for (let i = 0; i < 100; i++) registry.join('s', `p${i}`);
    expect(registry.join('s', 'p0')).toBe(false);
    for (let round = 0; round < 50; round++) {
      const sample = registry.sample('s', 10, 'p7');
      expect(sample).toHaveLength(10);
      expect(new Set(sample).size).toBe(10);
      expect(sample).not.toContain('p7');
    }
    expect(registry.sample('s', 1_000, 'p7')).toHaveLength(99);
    for (let i = 0; i < 100; i++) registry.leave('s', `p${i}`);
    expect([registry.swarmCount, registry.memberCount]).toEqual([0, 0]);
    expect(registry.sample('s', 5, 'x')).toEqual([]);
  });

  it('keeps membership consistent through swap-removals', () => {
    const registry = new InMemorySwarmRegistry();
    for (const peer of ['a', 'b', 'c', 'd']) registry.join('s', peer);
    registry.leave('s', 'a');
    registry.leave('s', 'c');
    registry.leave('s', 'missing');
    expect(registry.sample('s', 10, '').sort()).toEqual(['b', 'd']);
    expect(registry.memberCount).toBe(2);
  });

  it('spreads picks across all members (no member is starved)', () => {
    const registry = new InMemorySwarmRegistry();
    for (let i = 0; i < 20; i++) registry.join('s', `p${i}`);
    const seen = new Map<string, number>();
    for (let round = 0; round < 2_000; round++) {
      for (const peer of registry.sample('s', 5, 'p0')) seen.set(peer, (seen.get(peer) ?? 0) + 1);
    }
    expect(seen.size).toBe(19);
    // Expected 2000 * 5 / 19 ≈ 526 each; a biased sampler would leave some far below.
    for (const count of seen.values()) expect(count).toBeGreaterThan(350);
  });

  it('random ranking returns at most limit candidates, reordered, without inventing any', () => {
    const candidates = Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, traits: null }));
    const rank = createRanking('random');
    const orders = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const ranked = rank(candidates, null, 10).map(({ id }) => id);
      expect(ranked).toHaveLength(10);
      for (const peer of ranked) expect(candidates.map(({ id }) => id)).toContain(peer);
      orders.add(ranked.join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });
});
