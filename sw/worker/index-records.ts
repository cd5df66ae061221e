// What the worker records of each manifest and progressive file it has seen: the index's entries (segment-index.ts),
// saved for a restarted worker (worker-state.ts).
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import type { TemplatePattern } from './segment-template';

/** One rendition: an HLS media playlist, or one DASH Representation of one Period. */
export interface RenditionRecord {
  kind: 'media';
  /** The record's key: a media playlist's canonical URL (segment-id.ts `playlistUrl`), or a DASH rendition key. */
  url: string;
  swarm: string;
  /** The manifest URL the player asked for, tokens included. */
  playerUrl: string;
  live: boolean;
  /** Listed segments; for live, the current window preceded by some that slid out of it. */
  segments: SegmentRef[];
  /** Canonical key URIs: never intercepted. */
  keyUrls: string[];
  /** DASH SegmentTemplate patterns: segments recognised by URL beyond those listed. */
  templates?: TemplatePattern[];
  /** DASH SegmentBase: ids of the index (sidx) segments, whose bytes list the media segments. */
  indexIds?: string[];
  /** LL-HLS parts and preload hints (canonical): never intercepted. */
  passUrls?: string[];
  updatedAt: number;
}

/** An HLS master playlist or a DASH MPD: recognised as a manifest when reloaded, whatever its URL looks like. */
export interface ManifestRecord {
  kind: 'master';
  url: string;
  /** Canonical URLs of the playlists it names, recognised as playlists even without `.m3u8`. */
  playlistUrls: string[];
  keyUrls: string[];
  updatedAt: number;
}

/** A file a media element plays by Range requests, shared as fixed-size pieces (piece-plan.ts). */
export interface ProgressiveRecord {
  kind: 'progressive';
  /** Canonical URL of the file. */
  url: string;
  swarm: string;
  playerUrl: string;
  /** Total size, learned from the network's Content-Range. */
  size: number;
  /** Piece size the ids were made with (kept, so a settings change does not rename what is cached). */
  pieceBytes: number;
  contentType: string;
  updatedAt: number;
}

export type IndexRecord = RenditionRecord | ManifestRecord | ProgressiveRecord;
