// How many segments this viewer uploads at once, to all peers together. A full house answers busy, so the asker
// turns to another holder: the swarm spreads its uploads instead of making one peer everybody's server, and a few
// transfers at a time finish (and are re-shared) sooner than many sharing the link.

export class UploadSlots {
  private used = 0;

  /** @param max uploads at once for prefetches; a player waiting on the other side may take one more. */
  constructor(private readonly max: number) {}

  tryAcquire(urgent: boolean): boolean {
    if (this.used >= this.max + (urgent ? 1 : 0)) return false;
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
