// How many segments this viewer uploads at once, to all peers together. A full house answers busy, so the asker
// turns to another holder: the swarm spreads its uploads instead of making one peer everybody's server, and a few
// transfers at a time finish (and are re-shared) sooner than many sharing the link.

export class UploadSlots {
  private used = 0;
  private limit: number;

  /** @param max uploads at once for prefetches; a player waiting on the other side may take one more. */
  constructor(private readonly max: number) {
    this.limit = max;
  }

  /**
   * What the measured uplink can serve in time (upload-meter.ts), within `max`. A slow uplink gets no extra urgent
   * slot either: one more transfer sharing it would make every transfer late.
   */
  setLimit(count: number): void {
    this.limit = Math.max(1, Math.min(this.max, count));
  }

  tryAcquire(urgent: boolean): boolean {
    const extra = urgent && this.limit === this.max ? 1 : 0;
    if (this.used >= this.limit + extra) return false;
    this.used++;
    return true;
  }

  release(count = 1): void {
    this.used = Math.max(0, this.used - count);
  }

  get inUse(): number {
    return this.used;
  }
}
