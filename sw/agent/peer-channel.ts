// One peer connection: frames in and out over its data channel with backpressure, what the peer announced,
// protocol faults. Downloads (verified before use) and uploads (paced by the cap) have their own files.

import {
  decodeFrame,
  encodeFrame,
  encodeHaveFrames,
  type HaveEntry,
  type MissReason,
  type RequestPriority,
} from '../../protocol/peers/peer-wire';
import { type Download, DownloadTable } from './download-table';
import { PeerAnnouncements } from './peer-announcements';
import type { Holder } from './scheduler';
import type { TokenBucket } from './token-bucket';
import { UploadQueue } from './upload-queue';
import type { UploadSlots } from './upload-slots';

/** What the channel needs of a PeerJS DataConnection ('raw' serialization): satisfied by the real one. */
export interface PeerLink {
  readonly peer: string;
  readonly open: boolean;
  readonly dataChannel: RTCDataChannel | null | undefined;
  on(event: 'open' | 'close', listener: () => void): unknown;
  on(event: 'data', listener: (data: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(): unknown;
  close(): void;
}

export interface ChannelEvents {
  opened(channel: PeerChannel): void;
  /** `full`: its whole list (on connecting, or after clearing); else segments it just got. */
  announced(channel: PeerChannel, swarm: string, segments: HaveEntry[], full: boolean): void;
  uploaded(channel: PeerChannel, segmentId: string, bytes: number): void;
  /** It is fetching `segmentId` from the network (FETCHING), expecting it in about `etaMs`. */
  fetching(channel: PeerChannel, segmentId: string, etaMs: number): void;
  /** The peer broke the protocol or sent bad bytes: it should be dropped and not trusted again. */
  misbehaved(channel: PeerChannel, reason: string): void;
  closed(channel: PeerChannel, reason: string): void;
}

export interface ChannelDeps {
  now: () => number;
  /** Shared by all channels: the upload cap, and the uploads at once. */
  uploadBucket: TokenBucket;
  uploadSlots: UploadSlots;
  uploadEnabled: boolean;
  /** Per peer: requests it may make of us. */
  requestLimiter: TokenBucket;
  connectTimeoutMs: number;
  /** Bytes of an upload frame went into the send buffer (the upload meter). */
  sent?: (bytes: number) => void;
  /** We asked this peer for a segment of `bytes` (sent the request). */
  requested?: (bytes: number) => void;
  /** The cached bytes of a segment we hold, or undefined. */
  readSegment: (segmentId: string) => Promise<ArrayBuffer | undefined>;
  events: ChannelEvents;
}

export type ChannelStatus = 'connecting' | 'open' | 'closed';

/** Protocol faults (malformed frames, stray data) tolerated before the peer is dropped. */
const MAX_FAULTS = 5;
/** After a peer answers busy or rate-limited, leave it alone this long. */
const BUSY_BACKOFF_MS = 1000;
/** After a download from it stalled mid-way, leave it alone this long (another holder or the network serves). */
const STALL_BACKOFF_MS = 5000;
/** Data channel send buffer: stop above HIGH, resume at 'bufferedamountlow' (LOW). */
const SEND_HIGH_WATER = 1024 * 1024;
const SEND_LOW_WATER = 256 * 1024;

export class PeerChannel {
  status: ChannelStatus = 'connecting';
  /** It reached 'open' at some point (a connection that never opened is not reported as a peer that left). */
  wasOpen = false;
  readonly peerId: string;
  private readonly announced = new PeerAnnouncements();
  private readonly downloads: DownloadTable;
  private readonly uploads: UploadQueue;
  private faults = 0;
  private busyUntil = 0;
  private drained: ((open: boolean) => void) | undefined;
  private readonly connectTimer: ReturnType<typeof setTimeout>;
  private readonly onDrain = () => this.drained?.(true);

  constructor(
    private readonly link: PeerLink,
    private readonly deps: ChannelDeps,
  ) {
    this.peerId = link.peer;
    this.downloads = new DownloadTable({
      now: deps.now,
      send: (frame) => this.send(frame),
      fault: (reason) => this.fault(reason),
      // Bad bytes: never delivered; the peer is reported and dropped.
      bad: (reason) => {
        this.deps.events.misbehaved(this, reason);
        this.close(reason);
      },
      stalled: () => {
        this.busyUntil = this.deps.now() + STALL_BACKOFF_MS;
      },
      requested: deps.requested,
    });
    this.uploads = new UploadQueue({
      read: deps.readSegment,
      bucket: deps.uploadBucket,
      slots: deps.uploadSlots,
      writable: () => this.writable(),
      send: (frame) => {
        const sent = this.send(frame);
        if (sent) deps.sent?.(frame.byteLength);
        return sent;
      },
      uploaded: (segmentId, bytes) => deps.events.uploaded(this, segmentId, bytes),
    });
    this.connectTimer = setTimeout(() => this.close('did not connect in time'), deps.connectTimeoutMs);
    link.on('open', () => this.onOpen());
    link.on('data', (data) => this.onData(data));
    link.on('close', () => this.close('closed by the peer'));
    link.on('error', (error) => this.close(`connection error: ${error.message}`));
    if (link.open) this.onOpen();
  }

  private onOpen(): void {
    if (this.status !== 'connecting') return;
    clearTimeout(this.connectTimer);
    const channel = this.link.dataChannel;
    if (!channel) {
      this.close('opened without a data channel');
      return;
    }
    channel.bufferedAmountLowThreshold = SEND_LOW_WATER;
    channel.addEventListener('bufferedamountlow', this.onDrain);
    this.status = 'open';
    this.wasOpen = true;
    this.deps.events.opened(this);
  }

  /** This peer as a candidate for `segmentId`, or undefined if it did not announce it or asked us to back off. */
  holderOf(segmentId: string): Holder | undefined {
    const entry = this.announced.entry(segmentId);
    if (!entry || this.status !== 'open' || this.deps.now() < this.busyUntil) return undefined;
    const { size, sha256, announcedAt } = entry;
    const { size: inFlight, bytesPerMs } = this.downloads;
    return { peerId: this.peerId, size, sha256, inFlight, bytesPerMs, announcedAt };
  }

  /** Smoothed speed of our downloads from this peer, bytes/ms; undefined before the first. */
  get bytesPerMs(): number | undefined {
    return this.downloads.bytesPerMs;
  }

  /** Bytes waiting in the data channel's send buffer. */
  get bufferedBytes(): number {
    return this.status === 'open' ? (this.link.dataChannel?.bufferedAmount ?? 0) : 0;
  }

  /** It announced a segment of `swarm` (null: of any) it had just got within `withinMs`: it plays it now. */
  gotRecentlyIn(swarm: string | null, withinMs: number): boolean {
    const at = this.announced.lastGotIn(swarm);
    return this.status === 'open' && at !== undefined && this.deps.now() - at <= withinMs;
  }

  announce(swarm: string, segments: readonly HaveEntry[], full: boolean): void {
    for (const frame of encodeHaveFrames(swarm, segments, full)) this.send(frame);
  }

  /** Tells the peer we are fetching `segmentId` from the network, expecting it in about `etaMs`. */
  tellFetching(segmentId: string, etaMs: number): void {
    this.send(encodeFrame({ type: 'fetching', segmentId, etaMs }));
  }

  /** Requests a segment; the result resolves only with bytes of exactly the expected size and hash. */
  download(
    segmentId: string,
    expected: { size: number; sha256: string },
    priority: RequestPriority,
    onChunk: () => void = () => {},
  ): Download {
    return this.downloads.start(segmentId, expected, priority, onChunk, this.status === 'open');
  }

  private onData(data: unknown): void {
    if (this.status !== 'open') return;
    const decoded = decodeFrame(data);
    if (!decoded.ok) {
      this.fault(`sent a malformed frame (${decoded.error}: ${decoded.detail})`);
      return;
    }
    const frame = decoded.frame;
    switch (frame.type) {
      case 'have':
        this.announced.heard(frame, this.deps.now());
        this.deps.events.announced(this, frame.swarm, frame.segments, frame.full);
        return;
      case 'fetching':
        this.deps.events.fetching(this, frame.segmentId, frame.etaMs);
        return;
      case 'request':
        if (!this.deps.uploadEnabled) {
          this.miss(frame.requestId, 'upload-disabled');
          return;
        }
        if (!this.deps.requestLimiter.tryTake(1)) {
          this.miss(frame.requestId, 'rate-limited');
          return;
        }
        if (!this.uploads.add(frame)) this.miss(frame.requestId, 'busy');
        return;
      case 'cancel':
        this.uploads.cancel(frame.requestId);
        return;
      case 'miss':
        this.onMiss(frame.requestId, frame.reason);
        return;
      case 'data':
        this.downloads.onChunk(frame);
        return;
    }
  }

  private onMiss(requestId: number, reason: MissReason): void {
    const segmentId = this.downloads.onMiss(requestId, reason);
    if (segmentId === undefined) return;
    // It will not send this segment: not a holder of it any more (a retry would only ask again).
    if (reason === 'not-found' || reason === 'too-large' || reason === 'upload-disabled')
      this.announced.remove(segmentId);
    if (reason === 'busy' || reason === 'rate-limited') this.busyUntil = this.deps.now() + BUSY_BACKOFF_MS;
  }

  private fault(reason: string): void {
    if (++this.faults < MAX_FAULTS) return;
    this.deps.events.misbehaved(this, reason);
    this.close(reason);
  }

  private miss(requestId: number, reason: MissReason): void {
    this.send(encodeFrame({ type: 'miss', requestId, reason }));
  }

  /** Resolves true when the send buffer has room, false if the channel closed meanwhile. Event-driven, no polling. */
  private writable(): Promise<boolean> | boolean {
    const channel = this.link.dataChannel;
    if (this.status !== 'open' || !channel) return false;
    if (channel.bufferedAmount <= SEND_HIGH_WATER) return true;
    return new Promise((resolve) => {
      this.drained = (open) => {
        this.drained = undefined;
        resolve(open && this.status === 'open');
      };
    });
  }

  private send(frame: ArrayBuffer | Uint8Array<ArrayBuffer>): boolean {
    const channel = this.link.dataChannel;
    if (this.status !== 'open' || !channel || channel.readyState !== 'open') return false;
    try {
      // Two calls for one send: RTCDataChannel.send is overloaded per type, and TypeScript takes no union.
      if (frame instanceof ArrayBuffer) channel.send(frame);
      else channel.send(frame);
      return true;
    } catch (error) {
      // send() throws when the SCTP buffer is full or the channel is closing: the connection is unusable.
      this.close(`send failed: ${error instanceof Error ? error.message : error}`);
      return false;
    }
  }

  close(reason: string): void {
    if (this.status === 'closed') return;
    this.status = 'closed';
    clearTimeout(this.connectTimer);
    this.link.dataChannel?.removeEventListener('bufferedamountlow', this.onDrain);
    this.drained?.(false);
    this.uploads.clear();
    this.downloads.failAll(reason);
    this.link.removeAllListeners();
    this.link.close();
    this.deps.events.closed(this, reason);
  }
}
