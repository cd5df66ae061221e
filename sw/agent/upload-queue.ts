// What one peer asked us for: a short queue (urgent before prefetch), served one segment at a time in chunks,
// each chunk waiting for room in the data channel and for upload-cap tokens. Cancel stops between chunks.

import {
  encodeDataFrame,
  encodeFrame,
  MAX_CHUNK_BYTES,
  MAX_FRAME_BYTES,
  MAX_SEGMENT_BYTES,
  type RequestPriority,
} from '../../protocol/peers/peer-wire';
import type { TokenBucket } from './token-bucket';
import type { UploadSlots } from './upload-slots';

/** Requests one peer may have with us at once (one sending, the rest waiting); more are answered busy. */
export const MAX_UPLOADS_PER_PEER = 4;

interface UploadJob {
  requestId: number;
  segmentId: string;
  priority: RequestPriority;
  cancelled: boolean;
}

export interface UploadDeps {
  read: (segmentId: string) => Promise<ArrayBuffer | undefined>;
  bucket: TokenBucket;
  /** Shared by all peers: uploads at once (a request beyond them is answered busy). */
  slots: UploadSlots;
  /** True (or a promise of it) once the channel can take more; false when it closed. */
  writable: () => Promise<boolean> | boolean;
  /** Sends a frame; the bytes are copied before it returns (a data channel's send does), so buffers are reused. */
  send: (frame: ArrayBuffer | Uint8Array<ArrayBuffer>) => boolean;
  uploaded: (segmentId: string, bytes: number) => void;
}

export class UploadQueue {
  private readonly waiting: UploadJob[] = [];
  private active: UploadJob | undefined;
  private closed = false;
  /** Every DATA frame of this peer's uploads is written here, one after the other. */
  private readonly frame = new Uint8Array(MAX_FRAME_BYTES);

  constructor(private readonly deps: UploadDeps) {}

  /** Queues a request; false when this peer already has MAX_UPLOADS_PER_PEER (or reuses a live request id). */
  add(request: { requestId: number; segmentId: string; priority: RequestPriority }): boolean {
    const jobs = this.active ? [this.active, ...this.waiting] : this.waiting;
    if (
      this.closed ||
      jobs.length >= MAX_UPLOADS_PER_PEER ||
      jobs.some((job) => job.requestId === request.requestId) ||
      !this.deps.slots.tryAcquire(request.priority === 'urgent')
    ) {
      return false;
    }
    const job = { ...request, cancelled: false };
    // Urgent requests (a player waiting) go ahead of prefetches, keeping arrival order within each class.
    const at =
      job.priority === 'urgent' ? this.waiting.findIndex((queued) => queued.priority !== 'urgent') : -1;
    if (at === -1) this.waiting.push(job);
    else this.waiting.splice(at, 0, job);
    if (!this.active) void this.pump();
    return true;
  }

  cancel(requestId: number): void {
    if (this.active?.requestId === requestId) this.active.cancelled = true;
    const index = this.waiting.findIndex((job) => job.requestId === requestId);
    if (index !== -1) {
      this.waiting.splice(index, 1);
      this.deps.slots.release();
    }
  }

  clear(): void {
    this.closed = true;
    if (this.active) this.active.cancelled = true;
    this.deps.slots.release(this.waiting.splice(0).length);
  }

  private async pump(): Promise<void> {
    for (let job = this.waiting.shift(); job && !this.closed; job = this.waiting.shift()) {
      this.active = job;
      try {
        await this.serve(job);
      } catch {
        // A cache read failure: answer as if we did not have it rather than leave the peer waiting.
        if (!job.cancelled)
          this.deps.send(encodeFrame({ type: 'miss', requestId: job.requestId, reason: 'not-found' }));
      }
      this.active = undefined;
      this.deps.slots.release();
    }
  }

  private async serve(job: UploadJob): Promise<void> {
    const data = await this.deps.read(job.segmentId);
    if (job.cancelled) return;
    if (!data || data.byteLength === 0 || data.byteLength > MAX_SEGMENT_BYTES) {
      const reason = data && data.byteLength > 0 ? 'too-large' : 'not-found';
      this.deps.send(encodeFrame({ type: 'miss', requestId: job.requestId, reason }));
      return;
    }
    const bytes = new Uint8Array(data);
    for (let offset = 0; offset < bytes.byteLength; offset += MAX_CHUNK_BYTES) {
      const chunk = bytes.subarray(offset, offset + MAX_CHUNK_BYTES);
      if (!(await this.deps.writable()) || job.cancelled) return;
      if (!(await this.deps.bucket.take(chunk.byteLength)) || job.cancelled) return;
      const data = { type: 'data' as const, requestId: job.requestId, offset, totalSize: bytes.byteLength };
      if (!this.deps.send(encodeDataFrame({ ...data, bytes: chunk }, this.frame))) return;
    }
    this.deps.uploaded(job.segmentId, bytes.byteLength);
  }
}
