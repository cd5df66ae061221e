// The constrained-CDN model: delays each media response's first byte and writes its body through token
// buckets (one per viewer, one for everyone), slice by slice with socket backpressure, counting what it wrote.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { TokenBucket } from '../../sw/agent/token-bucket';
import type { CdnConfig } from './origin-config';
import { MAX_METERED_VIEWERS, type MediaKind, TrafficMeter } from './traffic-meter';
import { viewerOf } from './viewer-id';

/** How a response's body reaches the client: straight (pages), or shaped and counted (media). */
export interface Delivery {
  /** Waits out the added time to first byte; false when the client went away meanwhile (answer nothing). */
  firstByte(): Promise<boolean>;
  /** Writes `body` and ends the response; a client that goes away mid-body simply stops it. */
  send(body: AsyncIterable<Uint8Array> | Uint8Array): Promise<void>;
}

/** Pages, scripts, config: no latency, no cap, not counted. */
export function directDelivery(response: ServerResponse): Delivery {
  return {
    firstByte: () => Promise.resolve(true),
    send: (body) =>
      body instanceof Uint8Array
        ? new Promise<void>((resolve) => response.end(body, resolve))
        : pipeline(body, response).catch(() => undefined),
  };
}

/**
 * Bytes written per bucket grant. 16 KiB: at a 1 Mbit/s viewer cap, eight grants a second — smooth enough for a
 * player's bandwidth estimate, few enough timers for dozens of viewers.
 */
const SLICE_BYTES = 16 * 1024;
/** Bucket depth: two slices, so a cap holds over tens of milliseconds, not only on average. */
const BURST_BYTES = 2 * SLICE_BYTES;

export class CdnShaper {
  readonly meter = new TrafficMeter();
  private readonly total: TokenBucket | null;
  private readonly viewers = new Map<string, TokenBucket>();

  constructor(private readonly config: CdnConfig) {
    this.total = bucketFor(config.totalMbps);
  }

  /** The delivery of one media response of `kind` to the viewer `request` comes from. */
  delivery(request: IncomingMessage, response: ServerResponse, kind: MediaKind): Delivery {
    const viewer = viewerOf(request);
    const buckets = [this.viewerBucket(viewer), this.total].filter((bucket) => bucket !== null);
    const { latencyMs } = this.config;
    return {
      firstByte: () => {
        this.meter.responded(viewer, kind);
        if (latencyMs <= 0) return Promise.resolve(true);
        // The response's 'close' before anything was written means the client went away (the request's own
        // 'close' only says its body was read).
        return new Promise((resolve) => {
          const timer = setTimeout(() => {
            response.off('close', gone);
            resolve(!response.destroyed);
          }, latencyMs);
          const gone = () => {
            clearTimeout(timer);
            resolve(false);
          };
          response.once('close', gone);
        });
      },
      send: async (body) => {
        try {
          for await (const chunk of body instanceof Uint8Array ? [body] : body) {
            for (let offset = 0; offset < chunk.byteLength; offset += SLICE_BYTES) {
              const slice = chunk.subarray(offset, offset + SLICE_BYTES);
              for (const bucket of buckets) await bucket.take(slice.byteLength);
              if (response.destroyed) return;
              this.meter.wrote(viewer, kind, slice.byteLength);
              if (!response.write(slice)) await drained(response);
            }
          }
          response.end();
        } catch {
          // A file read failure mid-body: the length was promised, so only a cut connection is honest.
          response.destroy();
        }
      },
    };
  }

  private viewerBucket(viewer: string): TokenBucket | null {
    if (this.config.viewerMbps === null) return null;
    let bucket = this.viewers.get(viewer);
    if (!bucket) {
      // Bounded like the meter: past the bound, newcomers share one bucket rather than grow the table.
      if (this.viewers.size >= MAX_METERED_VIEWERS) return this.viewers.values().next().value ?? null;
      bucket = bucketFor(this.config.viewerMbps) as TokenBucket;
      this.viewers.set(viewer, bucket);
    }
    return bucket;
  }
}

function bucketFor(mbps: number | null): TokenBucket | null {
  return mbps === null ? null : new TokenBucket((mbps * 1_000_000) / 8, BURST_BYTES);
}

/** Resolves when the socket takes more, or is gone. */
function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}
