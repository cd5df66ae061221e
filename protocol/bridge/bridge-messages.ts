// Messages between the service worker and the page agent (over a MessageChannel), declared once for both ends,
// with the validators each end runs on what it receives. The worker owns the HTTP side; the page owns peers.

import { MAX_SEGMENT_BYTES, MAX_SEGMENT_ID_BYTES } from '../peers/peer-wire';
import { isSha256Hex } from '../sha256-hex';
import { MAX_QUERY_SEGMENTS } from '../signaling/hash-messages';
import { isValidSwarmKey } from '../signaling/swarm-messages';
import { isOriginHash, isSegmentRef, type OriginHash, type SegmentRef } from './segment-ref';
import { isCount, isDuration, isRecord, isRequestId, isText, MAX_URL } from './value-checks';
import { isWorkerSettings, type WorkerSettings } from './worker-settings';

/** Resources one `loaded-before-control` may list: a player fetches a handful of manifests before control. */
export const MAX_LOADED_BEFORE_CONTROL = 64;

/**
 * A request the player made before the worker controlled the page, from Resource Timing. `bytes`: its body as the
 * player got it, said once (0 when said again on a new port, or when a cross-origin response hides its size);
 * `ms`: request to last byte.
 */
export interface LoadedResource {
  url: string;
  bytes: number;
  ms: number;
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
  | {
      type: 'segment-stored';
      segment: SegmentRef;
      size: number;
      sha256: string;
      source: StoredSource;
      /** A copy of the bytes, so the agent serves the peers that ask next from memory rather than the cache. */
      data?: ArrayBuffer;
    }
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

/** Page → worker. */
export type PageToWorkerMessage =
  /** Sent through `navigator.serviceWorker.controller.postMessage` with the MessagePort that carries the rest. */
  | { type: 'hello'; version: string; settings: Partial<WorkerSettings> }
  /**
   * Resources the page loaded before the worker controlled it (a first visit does not hold the player for the
   * worker): the worker reads the manifests among them again, so it knows the segments the player asks for next,
   * and reports the known segments among them as delivered from the network (Peerlane.stats() counts every byte).
   */
  | { type: 'loaded-before-control'; resources: LoadedResource[] }
  | { type: 'segment-response'; requestId: number; status: 'ok'; data: ArrayBuffer; sha256: string }
  | { type: 'segment-response'; requestId: number; status: 'miss'; reason: string }
  /**
   * Hashes the signal server's hash service fetched from the origin (as strong as the origin's sidecar): the worker
   * keeps them with the sidecars' hashes, so network bytes that contradict one are neither cached nor shared.
   */
  | { type: 'origin-hashes'; hashes: Array<{ id: string } & OriginHash> };

export type BridgeMessage = WorkerToPageMessage | PageToWorkerMessage;

// ---- validators: each end checks what it receives, then trusts it ----

const DELIVERY_SOURCES: readonly string[] = ['http', 'p2p', 'cache'] satisfies DeliverySource[];
const STORED_SOURCES: readonly string[] = ['http', 'p2p'] satisfies StoredSource[];
const REJECT_REASONS: readonly string[] = [
  'size-mismatch',
  'hash-mismatch',
  'empty',
] satisfies RejectReason[];

/** Validates what the worker receives: `hello` on its global message event, the rest on an agent's port. */
export function isPageToWorkerMessage(value: unknown): value is PageToWorkerMessage {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'hello':
      // Settings are checked field by field when merged (a typo in one must not cost the whole bridge).
      return isText(value.version, 64) && (value.settings === undefined || isRecord(value.settings));
    case 'loaded-before-control':
      return (
        Array.isArray(value.resources) &&
        value.resources.length <= MAX_LOADED_BEFORE_CONTROL &&
        value.resources.every(
          (resource) =>
            isRecord(resource) &&
            isText(resource.url, MAX_URL) &&
            isCount(resource.bytes) &&
            resource.bytes <= MAX_SEGMENT_BYTES &&
            isDuration(resource.ms),
        )
      );
    case 'origin-hashes':
      return (
        Array.isArray(value.hashes) &&
        value.hashes.length > 0 &&
        value.hashes.length <= MAX_QUERY_SEGMENTS &&
        value.hashes.every(
          (entry) =>
            isRecord(entry) &&
            isText(entry.id, MAX_SEGMENT_ID_BYTES) &&
            entry.id.length > 0 &&
            isOriginHash(entry),
        )
      );
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
        STORED_SOURCES.includes(value.source) &&
        (value.data === undefined ||
          (value.data instanceof ArrayBuffer && value.data.byteLength === value.size))
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
