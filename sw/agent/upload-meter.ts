// How fast this viewer can upload, measured: once a second, the bytes that left the data channels' send buffers
// while those buffers never ran dry (the uplink, not the players asking, was the limit). Sets how many uploads run
// at once — a slow uplink serves one segment at a time, in time, rather than three too late — and is reported
// to the signal server (VIEWER-STATE), which then prefers other uploaders.
import { ThroughputEstimate } from './throughput-estimate';

/** A send buffer holding less than this at either end of a second did not keep the link busy. */
const SATURATED_BYTES = 32 * 1024;
/** Uploads at once: as many segments as the uplink can send within this time, at least one. */
const UPLOAD_WINDOW_MS = 3_000;
const SAMPLE_MS = 1_000;

export interface UploadMeterDeps {
  now: () => number;
  /** Bytes waiting in all data channels' send buffers now. */
  buffered: () => number;
  /** The uploads at once this measurement allows (see UPLOAD_WINDOW_MS). */
  limitUploads: (count: number) => void;
}

export class UploadMeter {
  private readonly rate = new ThroughputEstimate();
  private handed = 0;
  private lastBuffered = 0;
  private lastAt: number;
  private segmentBytes = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly maxUploads: number,
    private readonly deps: UploadMeterDeps,
  ) {
    this.lastAt = deps.now();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  /** A data frame of `bytes` went into a send buffer. */
  sent(bytes: number): void {
    this.handed += bytes;
  }

  /** A whole segment was handed over: its size sets how many fit in the window. */
  segment(bytes: number): void {
    this.segmentBytes = this.segmentBytes === 0 ? bytes : (this.segmentBytes * 3 + bytes) / 4;
  }

  /** The measured upload rate, kbit/s; null before the uplink was ever the bottleneck (it may be fast). */
  get uplinkKbps(): number | null {
    const bytesPerMs = this.rate.bytesPerMs;
    return bytesPerMs === undefined ? null : Math.round(bytesPerMs * 8);
  }

  private sample(): void {
    const now = this.deps.now();
    const buffered = this.deps.buffered();
    const drained = this.handed + this.lastBuffered - buffered;
    if (this.lastBuffered >= SATURATED_BYTES && buffered >= SATURATED_BYTES && drained > 0)
      this.rate.add(drained, now - this.lastAt);
    this.handed = 0;
    this.lastBuffered = buffered;
    this.lastAt = now;
    const bytesPerMs = this.rate.bytesPerMs;
    if (bytesPerMs !== undefined && this.segmentBytes > 0) {
      const fit = Math.floor((bytesPerMs * UPLOAD_WINDOW_MS) / this.segmentBytes);
      this.deps.limitUploads(Math.max(1, Math.min(this.maxUploads, fit)));
    }
  }

  destroy(): void {
    clearInterval(this.timer);
  }
}
