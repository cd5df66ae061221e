// Messages between the service worker and the page agent (over a MessageChannel), declared once for both ends.
// The worker owns the HTTP side (what the player asked for, the cache, the network); the page owns peers.

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
}

export type DeliverySource = 'http' | 'p2p' | 'cache';

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
  /** A complete, verified segment is now in the shared cache: the agent announces it to peers. */
  | { type: 'segment-stored'; segment: SegmentRef; size: number; sha256: string }
  /** Bytes handed to the player, by source (drives Peerlane.stats()). */
  | { type: 'delivered'; segment: SegmentRef; source: DeliverySource; bytes: number; ms: number };

/** What the page tells the worker about how to treat this site's media (defaults: sw/worker/config.ts). */
export interface WorkerSettings {
  /** Query parameters that differ between viewers of the same content (CDN tokens, sessions): not part of a segment's id. */
  volatileParams: string[];
  /** Largest total size of the IndexedDB segment cache, in bytes (LRU eviction beyond it). */
  cacheMaxBytes: number;
  /** Longest the worker waits for the page agent to deliver a segment from peers before going to the network, ms. */
  peerMaxWaitMs: number;
}

/** Page → worker. */
export type PageToWorkerMessage =
  /** Sent through `navigator.serviceWorker.controller.postMessage` with the MessagePort that carries the rest. */
  | { type: 'hello'; version: string; settings: Partial<WorkerSettings> }
  | { type: 'segment-response'; requestId: number; status: 'ok'; data: ArrayBuffer; sha256: string }
  | { type: 'segment-response'; requestId: number; status: 'miss'; reason: string };

export type BridgeMessage = WorkerToPageMessage | PageToWorkerMessage;
