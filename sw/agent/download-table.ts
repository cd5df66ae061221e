// Our downloads from one peer: requests sent, chunks reassembled in order, and the whole checked against the
// announced size and SHA-256 before it is handed over. Wrong, short, misplaced or stray bytes never get out.

import {
  encodeFrame,
  type MissReason,
  type PeerFrame,
  type RequestPriority,
} from '../../protocol/peers/peer-wire';
import { sha256Hex } from '../../protocol/sha256-hex';
import { BoundedMap } from '../shared/bounded-map';
import { ThroughputEstimate } from './throughput-estimate';

export type DownloadResult =
  | { ok: true; data: ArrayBuffer; sha256: string }
  | { ok: false; reason: 'cancelled' | 'closed' | 'bad-data' | 'peer-miss' | 'stalled'; detail: string };

export interface Download {
  readonly requestId: number;
  readonly result: Promise<DownloadResult>;
  /** Bytes received so far and when the first arrived (undefined before). */
  progress(): { receivedBytes: number; firstByteAt: number | undefined };
  /** `tooSlow`: given up for its pace, so what it did deliver counts in the peer's speed (it ranks lower next time). */
  cancel(tooSlow?: boolean): void;
}

export interface DownloadDeps {
  now: () => number;
  send: (frame: ArrayBuffer) => boolean;
  /** A protocol slip that may be a race (stray data): counted, the peer dropped after a few. */
  fault: (reason: string) => void;
  /** Bytes that contradict the announcement: the peer is dropped at once. */
  bad: (reason: string) => void;
  /** A download stopped mid-way (see STALL_MIN_MS): the peer should be left alone for a while. */
  stalled: () => void;
  /** A request for a segment of `bytes` went to the peer. */
  requested?: (bytes: number) => void;
}

interface Pending {
  segmentId: string;
  expected: { size: number; sha256: string };
  buffer: Uint8Array | undefined;
  received: number;
  firstByteAt: number | undefined;
  lastByteAt: number;
  chunks: number;
  /** Armed from the first byte on: fires when the bytes stop coming (see stallLimitMs). */
  watchdog: ReturnType<typeof setTimeout> | undefined;
  onChunk: () => void;
  settle: (result: DownloadResult) => void;
}

/** Cancelled request ids remembered, so chunks already in flight are dropped quietly. */
const RECENT_CANCELS = 64;
/**
 * A download whose bytes stop coming for this long (and STALL_GAP_FACTOR times its usual gap between chunks) has
 * stalled: a peer that froze, or that never sends a response's last chunk. Without this only the player's deadline
 * would end it — seconds of the buffer gone for nothing. Generous: a busy sender pauses on backpressure.
 */
const STALL_MIN_MS = 1000;
const STALL_GAP_FACTOR = 10;

function stallLimitMs(pending: Pending): number {
  const meanGapMs =
    pending.chunks > 1 ? (pending.lastByteAt - (pending.firstByteAt ?? 0)) / (pending.chunks - 1) : 0;
  return Math.max(STALL_MIN_MS, meanGapMs * STALL_GAP_FACTOR);
}

export class DownloadTable {
  private readonly pending = new Map<number, Pending>();
  private readonly recentCancels = new BoundedMap<number, true>(RECENT_CANCELS);
  /** Speed from first to last byte of completed downloads, and the pace of downloads given up as too slow. */
  private readonly speed = new ThroughputEstimate();
  private nextRequestId = 1;

  constructor(private readonly deps: DownloadDeps) {}

  /** Downloads in progress. */
  get size(): number {
    return this.pending.size;
  }

  get bytesPerMs(): number | undefined {
    return this.speed.bytesPerMs;
  }

  start(
    segmentId: string,
    expected: { size: number; sha256: string },
    priority: RequestPriority,
    onChunk: () => void,
    open: boolean,
  ): Download {
    const requestId = this.nextRequestId;
    this.nextRequestId = requestId >= 0xffffffff ? 1 : requestId + 1;
    let resolve: (result: DownloadResult) => void = () => {};
    const result = new Promise<DownloadResult>((done) => {
      resolve = done;
    });
    const requestedAt = this.deps.now();
    const settle = (outcome: DownloadResult) => {
      clearTimeout(pending.watchdog);
      resolve(outcome);
    };
    const pending: Pending = {
      segmentId,
      expected,
      buffer: undefined,
      received: 0,
      firstByteAt: undefined,
      lastByteAt: requestedAt,
      chunks: 0,
      watchdog: undefined,
      onChunk,
      settle,
    };
    if (!open) settle({ ok: false, reason: 'closed', detail: 'channel not open' });
    else {
      this.pending.set(requestId, pending);
      this.deps.send(encodeFrame({ type: 'request', requestId, segmentId, priority }));
      this.deps.requested?.(expected.size);
    }
    return {
      requestId,
      result,
      progress: () => ({ receivedBytes: pending.received, firstByteAt: pending.firstByteAt }),
      cancel: (tooSlow = false) => {
        if (!this.pending.delete(requestId)) return;
        // A peer that sent nothing in that time still counts as one byte, so it cannot look untried (and fast).
        if (tooSlow) this.speed.add(Math.max(pending.received, 1), this.deps.now() - requestedAt);
        this.abandon(requestId, pending, { ok: false, reason: 'cancelled', detail: 'cancelled' });
      },
    };
  }

  /** Stops `requestId` at the peer too; chunks already on their way are then dropped quietly. */
  private abandon(requestId: number, pending: Pending, outcome: DownloadResult): void {
    this.recentCancels.set(requestId, true);
    this.deps.send(encodeFrame({ type: 'cancel', requestId }));
    pending.settle(outcome);
  }

  private watch(requestId: number, pending: Pending, waitMs: number): void {
    pending.watchdog = setTimeout(() => {
      if (this.pending.get(requestId) !== pending) return;
      const idleMs = this.deps.now() - pending.lastByteAt;
      const limitMs = stallLimitMs(pending);
      if (idleMs < limitMs) {
        this.watch(requestId, pending, limitMs - idleMs);
        return;
      }
      this.pending.delete(requestId);
      // Its pace so far, stall included, so it ranks lower next time.
      this.speed.add(pending.received, this.deps.now() - (pending.firstByteAt ?? 0));
      const detail = `sent ${pending.received} of ${pending.expected.size} bytes, then nothing for ${Math.round(idleMs)} ms`;
      this.abandon(requestId, pending, { ok: false, reason: 'stalled', detail });
      this.deps.stalled();
    }, waitMs);
  }

  /** The peer does not serve `requestId`; returns the segment it was for (undefined if not ours). */
  onMiss(requestId: number, reason: MissReason): string | undefined {
    const pending = this.pending.get(requestId);
    if (!pending) return undefined;
    this.pending.delete(requestId);
    pending.settle({ ok: false, reason: 'peer-miss', detail: reason });
    return pending.segmentId;
  }

  onChunk(frame: Extract<PeerFrame, { type: 'data' }>): void {
    const pending = this.pending.get(frame.requestId);
    if (!pending) {
      if (!this.recentCancels.has(frame.requestId)) this.deps.fault('sent data nobody requested');
      return;
    }
    const { size } = pending.expected;
    if (frame.totalSize !== size) {
      this.reject(
        frame.requestId,
        pending,
        `sent ${frame.totalSize} bytes for a segment it announced as ${size}`,
      );
      return;
    }
    // The channel is reliable and ordered: a chunk anywhere but right after the last one is not an accident.
    if (frame.offset !== pending.received) {
      this.reject(
        frame.requestId,
        pending,
        `sent data at offset ${frame.offset}, expected ${pending.received}`,
      );
      return;
    }
    pending.buffer ??= new Uint8Array(size);
    pending.firstByteAt ??= this.deps.now();
    pending.lastByteAt = this.deps.now();
    pending.chunks++;
    if (pending.watchdog === undefined) this.watch(frame.requestId, pending, stallLimitMs(pending));
    pending.buffer.set(frame.bytes, frame.offset);
    pending.received += frame.bytes.byteLength;
    if (pending.received < size) {
      pending.onChunk();
      return;
    }
    this.pending.delete(frame.requestId);
    void this.verify(pending, pending.buffer);
  }

  private async verify(pending: Pending, bytes: Uint8Array): Promise<void> {
    const sha256 = await sha256Hex(bytes);
    if (sha256 !== pending.expected.sha256) {
      this.reject(undefined, pending, 'sent a segment whose SHA-256 differs from the one it announced');
      return;
    }
    this.speed.add(bytes.byteLength, this.deps.now() - (pending.firstByteAt ?? 0));
    pending.settle({ ok: true, data: bytes.buffer as ArrayBuffer, sha256 });
  }

  private reject(requestId: number | undefined, pending: Pending, reason: string): void {
    if (requestId !== undefined) this.pending.delete(requestId);
    pending.settle({ ok: false, reason: 'bad-data', detail: reason });
    this.deps.bad(reason);
  }

  /** The connection is gone: every download in progress fails (its partial bytes are dropped). */
  failAll(reason: string): void {
    for (const pending of this.pending.values())
      pending.settle({ ok: false, reason: 'closed', detail: reason });
    this.pending.clear();
  }
}
