// Smoothed transfer speed (exponentially weighted), for a peer or for the network: how long will N bytes take?

/** Weight of the newest sample: recent transfers matter most, one outlier does not swing the estimate. */
const NEWEST_WEIGHT = 0.3;

export class ThroughputEstimate {
  private average: number | undefined;

  /** Bytes per millisecond, undefined until a transfer completed. */
  get bytesPerMs(): number | undefined {
    return this.average;
  }

  /** Records one transfer of `bytes` that took `ms` from request to last byte (latency included, on purpose). */
  add(bytes: number, ms: number): void {
    if (!(bytes > 0) || !Number.isFinite(ms)) return;
    const sample = bytes / Math.max(ms, 1);
    this.average =
      this.average === undefined ? sample : this.average + NEWEST_WEIGHT * (sample - this.average);
  }

  /** Expected milliseconds for `bytes`, or `fallbackMs` before any sample. */
  msFor(bytes: number, fallbackMs: number): number {
    return this.average === undefined ? fallbackMs : bytes / this.average;
  }
}
