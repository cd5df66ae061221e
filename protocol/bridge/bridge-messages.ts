// Messages between the service worker and the page agent (over a MessageChannel), declared once for both ends,
// with the validators each end runs on what it receives. The worker owns the HTTP side; the page owns peers.

import { MAX_SEGMENT_BYTES, MAX_SEGMENT_ID_BYTES } from '../peers/peer-wire';
import { isSha256Hex } from '../sha256-hex';
import { isValidSwarmKey } from '../signaling/swarm-messages';

/** One media segment (or byte range of one) as both sides name it. */
export interface SegmentRef {
  /** Canonical identity: volatile query params stripped, byte range included (see sw/worker/segment-id.ts). */
  id: string;
  /** Swarm key: the stream + rendition this segment belongs to (peers sharing it join this swarm). */
  swarm: string;
  /** The URL the player asked for (tokens included), for a network fetch. */
  url: string;
  /** Inclusive byte range within `url`, or null for the whole resource. */
  range: { start: number; end: number } | null;
  /** Media duration in seconds, 0 when unknown (init sections, progressive pieces). */
  durationSec: number;
  /** Position in the rendition (media sequence number), -1 when it has none. */
  sequence: number;
  /**
   * Size and lowercase-hex SHA-256 the origin's hash sidecar (`Peerlane-Hashes` header) publishes for exactly
   * this segment or piece: the strongest trusted hash. Absent when the origin publishes none for it.
   */
  originHash?: OriginHash;
}

/** What an origin's sidecar says one segment (or progressive piece) is. */
export interface OriginHash {
  size: number;
  sha256: string;
}

export type DeliverySource = 'http' | 'p2p' | 'cache';

/** Where the bytes of a newly stored segment came from. */
export type StoredSource = 'http' | 'p2p';

/** Why the worker refused bytes an agent delivered (the agent blames the peer that sent them). */
export type RejectReason = 'size-mismatch' | 'hash-mismatch' | 'empty';

/** Worker → page. */
export type WorkerToPageMessage =
  | {
      type: 'manifest';
      /** Swarm key of the rendition this playlist describes (media playlists / representations). */
      swarm: string;
      url: string;
      live: boolean;
      /** Segments in playlist order; for live, the current window. */
      segments: SegmentRef[];
    }
  | { type: 'segment-request'; requestId: number; segment: SegmentRef; maxWaitMs: number }
  | { type: 'segment-cancel'; requestId: number }
  /**
   * A complete, verified segment is now in the shared cache: the agent announces it to peers. `source`: where
   * the worker got the bytes ('http': the network, so the agent may vouch for the hash to the swarm).
   */
  | { type: 'segment-stored'; segment: SegmentRef; size: number; sha256: string; source: StoredSource }
  /**
   * Bytes handed to the player, by source (drives Peerlane.stats()). `ms`: from the player's request reaching
   * the worker to all bytes being available (for 'http': the whole body read). `overheadMs`: the part of it
   * the worker added before bytes could flow (cache lookup, peer wait, verification) — the worker's latency.
   */
  | {
      type: 'delivered';
      segment: SegmentRef;
      source: DeliverySource;
      bytes: number;
      ms: number;
      overheadMs?: number;
    }
  /** Answer to `hello` on the new port: the bridge is up, with the settings the worker now uses. */
  | { type: 'welcome'; version: string; settings: WorkerSettings }
  /** The bytes answering `requestId` failed verification and were not served (the network was used). */
  | { type: 'segment-rejected'; requestId: number; segment: SegmentRef; reason: RejectReason }
  /**
   * Sent with `Client.postMessage` (it arrives on `navigator.serviceWorker`'s 'message' event, not on a port):
   * this worker has no port for the page (it was restarted, or the page's hello was lost) — send `hello` again.
   */
  | { type: 'hello-request' };

/** What the page tells the worker about how to treat this site's media (defaults: sw/worker/config.ts). */
export interface WorkerSettings {
  /** Query parameters that differ between viewers of the same content (CDN tokens, sessions): not part of a segment's id. */
  volatileParams: string[];
  /** Largest total size of the IndexedDB segment cache, in bytes (LRU eviction beyond it). */
  cacheMaxBytes: number;
  /** Longest the worker waits for the page agent to deliver a segment from peers before going to the network, ms. */
  peerMaxWaitMs: number;
  /**
   * Fetch extension-less script requests (`/live/playlist?id=1`) through the worker to recognise HLS playlists by
   * their response Content-Type. Off: only `.m3u8`/`.m3u` URLs and playlists named by a master are recognised.
   */
  sniffPlaylists: boolean;
  /**
   * Bytes per piece of a progressive file (`<video src=file.mp4>`), which viewers share piece by piece. Viewers
   * with different values share nothing of such files (the size is part of a piece's id), so set it per site.
   */
  pieceBytes: number;
  /**
   * Where the worker may handle media: URL prefixes, absolute ('https://cdn.example.com/vod/') or paths on the
   * site's own origin ('/media/'), matched at a `/` boundary. Requests elsewhere never reach Peerlane.
   */
  mediaUrls: string[];
}

/** Page → worker. */
export type PageToWorkerMessage =
  /** Sent through `navigator.serviceWorker.controller.postMessage` with the MessagePort that carries the rest. */
  | { type: 'hello'; version: string; settings: Partial<WorkerSettings> }
  | { type: 'segment-response'; requestId: number; status: 'ok'; data: ArrayBuffer; sha256: string }
  | { type: 'segment-response'; requestId: number; status: 'miss'; reason: string };

export type BridgeMessage = WorkerToPageMessage | PageToWorkerMessage;

// ---- validators: each end checks what it receives, then trusts it ----

const MAX_TEXT = 1024;
const MAX_URL = 16 * 1024;
const MAX_VOLATILE_PARAMS = 256;
const MAX_MEDIA_URLS = 64;
const MAX_WAIT_MS = 60_000;
/** Piece sizes from 64 KiB (smaller: more ids than bytes worth announcing) to 16 MiB (a seek's worth at most). */
const MIN_PIECE_BYTES = 64 * 1024;
const MAX_PIECE_BYTES = 16 * 1024 * 1024;
const DELIVERY_SOURCES: readonly string[] = ['http', 'p2p', 'cache'] satisfies DeliverySource[];
const STORED_SOURCES: readonly string[] = ['http', 'p2p'] satisfies StoredSource[];
const REJECT_REASONS: readonly string[] = [
  'size-mismatch',
  'hash-mismatch',
  'empty',
] satisfies RejectReason[];

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown, max = MAX_TEXT): value is string {
  return typeof value === 'string' && value.length <= max;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRequestId(value: unknown): value is number {
  return isCount(value) && value > 0 && value <= 0xffffffff;
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isOriginHash(value: unknown): value is OriginHash {
  return isRecord(value) && isCount(value.size) && value.size > 0 && isSha256Hex(value.sha256);
}

export function isSegmentRef(value: unknown): value is SegmentRef {
  if (!isRecord(value)) return false;
  const { id, swarm, url, range, durationSec, sequence, originHash } = value;
  const rangeOk =
    range === null ||
    (isRecord(range) && isCount(range.start) && isCount(range.end) && range.end >= range.start);
  return (
    isText(id, MAX_SEGMENT_ID_BYTES) &&
    id.length > 0 &&
    isValidSwarmKey(swarm) &&
    isText(url, MAX_URL) &&
    rangeOk &&
    isDuration(durationSec) &&
    typeof sequence === 'number' &&
    Number.isSafeInteger(sequence) &&
    sequence >= -1 &&
    (originHash === undefined || isOriginHash(originHash))
  );
}

/** Per-field checks of a settings patch: what is valid is kept, the names of the rest are reported. */
export function validateSettingsPatch(value: unknown): {
  settings: Partial<WorkerSettings>;
  rejected: string[];
} {
  const settings: Partial<WorkerSettings> = {};
  const rejected: string[] = [];
  if (!isRecord(value)) return { settings, rejected: value === undefined ? [] : ['settings'] };
  const { volatileParams, cacheMaxBytes, peerMaxWaitMs, sniffPlaylists, pieceBytes, mediaUrls } = value;
  if (volatileParams !== undefined) {
    const ok =
      Array.isArray(volatileParams) &&
      volatileParams.length <= MAX_VOLATILE_PARAMS &&
      volatileParams.every((name) => isText(name, 128) && name.length > 0);
    if (ok) settings.volatileParams = [...(volatileParams as string[])];
    else rejected.push('volatileParams');
  }
  if (cacheMaxBytes !== undefined) {
    if (isCount(cacheMaxBytes)) settings.cacheMaxBytes = cacheMaxBytes;
    else rejected.push('cacheMaxBytes');
  }
  if (peerMaxWaitMs !== undefined) {
    if (isDuration(peerMaxWaitMs) && peerMaxWaitMs <= MAX_WAIT_MS) settings.peerMaxWaitMs = peerMaxWaitMs;
    else rejected.push('peerMaxWaitMs');
  }
  if (sniffPlaylists !== undefined) {
    if (typeof sniffPlaylists === 'boolean') settings.sniffPlaylists = sniffPlaylists;
    else rejected.push('sniffPlaylists');
  }
  if (pieceBytes !== undefined) {
    const ok = isCount(pieceBytes) && pieceBytes >= MIN_PIECE_BYTES && pieceBytes <= MAX_PIECE_BYTES;
    if (ok) settings.pieceBytes = pieceBytes;
    else rejected.push('pieceBytes');
  }
  if (mediaUrls !== undefined) {
    const ok = Array.isArray(mediaUrls) && mediaUrls.length <= MAX_MEDIA_URLS && mediaUrls.every(isMediaUrl);
    if (ok) settings.mediaUrls = [...(mediaUrls as string[])];
    else rejected.push('mediaUrls');
  }
  return { settings, rejected };
}

/** An http(s) URL or a path starting with '/', without query or fragment (a prefix never matches those). */
function isMediaUrl(value: unknown): boolean {
  if (!isText(value, MAX_TEXT) || /[?#\s]/.test(value)) return false;
  if (value.startsWith('/')) return true;
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

function isWorkerSettings(value: unknown): value is WorkerSettings {
  if (!isRecord(value)) return false;
  const { settings, rejected } = validateSettingsPatch(value);
  return rejected.length === 0 && Object.keys(settings).length === 6;
}

/** Validates what the worker receives: `hello` on its global message event, the rest on an agent's port. */
export function isPageToWorkerMessage(value: unknown): value is PageToWorkerMessage {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'hello':
      // Settings are checked field by field when merged (a typo in one must not cost the whole bridge).
      return isText(value.version, 64) && (value.settings === undefined || isRecord(value.settings));
    case 'segment-response':
      if (!isRequestId(value.requestId)) return false;
      if (value.status === 'miss') return isText(value.reason);
      return (
        value.status === 'ok' &&
        value.data instanceof ArrayBuffer &&
        value.data.byteLength <= MAX_SEGMENT_BYTES &&
        isSha256Hex(value.sha256)
      );
    default:
      return false;
  }
}

/** Validates what the page agent receives from the worker (port messages and `hello-request`). */
export function isWorkerToPageMessage(value: unknown): value is WorkerToPageMessage {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'manifest':
      return (
        isValidSwarmKey(value.swarm) &&
        isText(value.url, MAX_URL) &&
        typeof value.live === 'boolean' &&
        Array.isArray(value.segments) &&
        value.segments.every(isSegmentRef)
      );
    case 'segment-request':
      return isRequestId(value.requestId) && isSegmentRef(value.segment) && isDuration(value.maxWaitMs);
    case 'segment-cancel':
      return isRequestId(value.requestId);
    case 'segment-stored':
      return (
        isSegmentRef(value.segment) &&
        isCount(value.size) &&
        isSha256Hex(value.sha256) &&
        typeof value.source === 'string' &&
        STORED_SOURCES.includes(value.source)
      );
    case 'delivered':
      return (
        isSegmentRef(value.segment) &&
        typeof value.source === 'string' &&
        DELIVERY_SOURCES.includes(value.source) &&
        isCount(value.bytes) &&
        isDuration(value.ms) &&
        (value.overheadMs === undefined || isDuration(value.overheadMs))
      );
    case 'welcome':
      return isText(value.version, 64) && isWorkerSettings(value.settings);
    case 'segment-rejected':
      return (
        isRequestId(value.requestId) &&
        isSegmentRef(value.segment) &&
        typeof value.reason === 'string' &&
        REJECT_REASONS.includes(value.reason)
      );
    case 'hello-request':
      return true;
    default:
      return false;
  }
}
