// Queried segments without an accepted hash yet, per connection: each waits (bounded, hashWaitMs at most)
// until its hash is accepted and is then answered exactly once, to the connection that asked — never a broadcast.
import type { SignalServerConfig } from '../config';

type Limits = Pick<SignalServerConfig, 'hashWaitsPerPeer' | 'hashWaitsTotal' | 'hashWaitMs'>;

export class HashWaits<Waiter> {
  /** "<swarm>\n<segment>" → who waits, with when each wait ends. */
  private readonly bySegment = new Map<string, Map<Waiter, number>>();
  /** Waiter → its keys, so a closing connection's waits go at once and its bound is cheap to check. */
  private readonly byWaiter = new Map<Waiter, Set<string>>();
  private total = 0;

  constructor(
    private readonly limits: Limits,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.total;
  }

  /** Registers `waiter` for each segment while the bounds allow; returns the segments it now waits for. */
  add(waiter: Waiter, swarm: string, segments: readonly string[]): Set<string> {
    const added = new Set<string>();
    const until = this.now() + this.limits.hashWaitMs;
    let keys = this.byWaiter.get(waiter);
    for (const segment of segments) {
      const key = keyOf(swarm, segment);
      const existing = keys?.has(key);
      if (
        !existing &&
        ((keys?.size ?? 0) >= this.limits.hashWaitsPerPeer || this.total >= this.limits.hashWaitsTotal)
      )
        continue;
      if (!keys) {
        keys = new Set();
        this.byWaiter.set(waiter, keys);
      }
      let waiters = this.bySegment.get(key);
      if (!waiters) {
        waiters = new Map();
        this.bySegment.set(key, waiters);
      }
      if (!existing) {
        keys.add(key);
        this.total++;
      }
      waiters.set(waiter, until);
      added.add(segment);
    }
    return added;
  }

  /** Ends one wait; false when it had already ended (answered, expired). */
  remove(waiter: Waiter, swarm: string, segment: string): boolean {
    const key = keyOf(swarm, segment);
    const waiters = this.bySegment.get(key);
    if (!waiters?.delete(waiter)) return false;
    if (waiters.size === 0) this.bySegment.delete(key);
    this.forget(waiter, key);
    return true;
  }

  /** The hash of swarm/segment was accepted: everyone waiting for it, each wait ended. */
  take(swarm: string, segment: string): Waiter[] {
    const key = keyOf(swarm, segment);
    const waiters = this.bySegment.get(key);
    if (!waiters) return [];
    this.bySegment.delete(key);
    for (const waiter of waiters.keys()) this.forget(waiter, key);
    return [...waiters.keys()];
  }

  /** A connection closed. */
  removeWaiter(waiter: Waiter): void {
    for (const key of this.byWaiter.get(waiter) ?? []) {
      const waiters = this.bySegment.get(key);
      waiters?.delete(waiter);
      if (waiters?.size === 0) this.bySegment.delete(key);
      this.total--;
    }
    this.byWaiter.delete(waiter);
  }

  /** Ends waits older than hashWaitMs; returns how many. Cost O(waits), bounded by hashWaitsTotal. */
  expire(): number {
    const now = this.now();
    let expired = 0;
    for (const [key, waiters] of this.bySegment) {
      for (const [waiter, until] of waiters) {
        if (until > now) continue;
        waiters.delete(waiter);
        this.forget(waiter, key);
        expired++;
      }
      if (waiters.size === 0) this.bySegment.delete(key);
    }
    return expired;
  }

  private forget(waiter: Waiter, key: string): void {
    const keys = this.byWaiter.get(waiter);
    if (!keys?.delete(key)) return;
    this.total--;
    if (keys.size === 0) this.byWaiter.delete(waiter);
  }
}

/** Swarm keys have no control characters, so a newline separates unambiguously. */
function keyOf(swarm: string, segment: string): string {
  return `${swarm}\n${segment}`;
}
