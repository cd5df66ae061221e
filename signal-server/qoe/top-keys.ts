// Which keys (swarms, ASNs) are among the `n` most frequent, in bounded memory: the Space-Saving algorithm
// (Metwally, Agrawal, El Abbadi 2005) over 8·n counters, halved every halfLifeMs so that what was popular
// yesterday makes way. A key enters the top when it beats the weakest member clearly (no flapping at the edge).

/** Counters kept per top place: the more, the fewer mistakes among keys of similar frequency. */
const COUNTERS_PER_PLACE = 8;
const MIN_COUNTERS = 64;
/** A newcomer must beat the weakest member by this factor (and one hit) to take its place. */
const TAKEOVER = 1.25;

export class TopKeys {
  private readonly counts = new Map<string, number>();
  private readonly top = new Set<string>();
  private readonly capacity: number;
  private decayedAt: number;

  /** `demoted`: a key that was in the top no longer is (its labelled series should go). */
  constructor(
    private readonly n: number,
    private readonly halfLifeMs: number,
    private readonly demoted: (key: string) => void,
    now: number,
  ) {
    this.capacity = Math.max(MIN_COUNTERS, n * COUNTERS_PER_PLACE);
    this.decayedAt = now;
  }

  has(key: string): boolean {
    return this.top.has(key);
  }

  /** Counts one occurrence of `key` (one new session) at `now`. */
  hit(key: string, now: number): void {
    if (this.n === 0) return;
    this.decay(now);
    const count = this.counts.get(key);
    if (count !== undefined) this.counts.set(key, count + 1);
    else if (this.counts.size < this.capacity) this.counts.set(key, 1);
    else {
      // Space-Saving: the least counted key gives its counter (and its count, an overestimate) to the newcomer.
      const [least, leastCount] = this.least(this.counts.keys());
      this.counts.delete(least);
      this.counts.set(key, leastCount + 1);
      if (this.top.delete(least)) this.demoted(least);
    }
    this.promote(key);
  }

  private promote(key: string): void {
    if (this.top.has(key)) return;
    if (this.top.size < this.n) {
      this.top.add(key);
      return;
    }
    const [weakest, weakestCount] = this.least(this.top);
    if ((this.counts.get(key) ?? 0) <= weakestCount * TAKEOVER + 1) return;
    this.top.delete(weakest);
    this.demoted(weakest);
    this.top.add(key);
  }

  private least(keys: Iterable<string>): [string, number] {
    let least: [string, number] = ['', Number.POSITIVE_INFINITY];
    for (const key of keys) {
      const count = this.counts.get(key) ?? 0;
      if (count < least[1]) least = [key, count];
    }
    return least;
  }

  private decay(now: number): void {
    if (now - this.decayedAt < this.halfLifeMs) return;
    this.decayedAt = now;
    for (const [key, count] of this.counts) this.counts.set(key, count / 2);
  }
}
