// Token bucket: the upload cap (bytes/s, shared by all peers) and per-peer request rate limits.
// Waiters are served first come, first served, by one timer set to the moment enough tokens exist — not polled.

export type Clock = () => number;

interface Waiter {
  amount: number;
  resolve: (granted: boolean) => void;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly waiters: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /**
   * @param ratePerSec tokens added per second; Infinity means no limit.
   * @param burst most tokens held at once (the largest single take must fit).
   */
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: Clock = () => performance.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.ratePerSec) / 1000);
    this.updatedAt = now;
  }

  /** Takes `amount` now if available (never waits). */
  tryTake(amount: number): boolean {
    if (this.ratePerSec === Number.POSITIVE_INFINITY) return true;
    this.refill();
    if (this.waiters.length > 0 || this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  /**
   * Resolves true once `amount` tokens were taken, in arrival order; false if the bucket was closed first.
   * The number of waiters is bounded by the callers (one pending take per peer channel).
   */
  take(amount: number): Promise<boolean> {
    if (this.closed || this.ratePerSec <= 0) return Promise.resolve(false);
    if (this.tryTake(amount)) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiters.push({ amount: Math.min(amount, this.burst), resolve });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const first = this.waiters[0];
    if (!first) return;
    this.refill();
    const waitMs = Math.max(0, ((first.amount - this.tokens) * 1000) / this.ratePerSec);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters[0] && this.waiters[0].amount <= this.tokens) {
        const waiter = this.waiters.shift() as Waiter;
        this.tokens -= waiter.amount;
        waiter.resolve(true);
      }
      this.schedule();
    }, Math.ceil(waitMs));
  }

  /** Refuses every pending and future wait (on destroy). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
  }
}
