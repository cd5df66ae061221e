// What a manifest parser (HLS playlist or DASH MPD) hands the tracker: each rendition's segments in a form that
// no longer depends on the format, plus what only some formats have (URL templates, a sidx to read later).
import type { ByteRange } from './byte-range';
import type { TemplatePattern } from './segment-template';

/** One fetchable segment of a rendition (init sections included), in play order. */
export interface MediaEntry {
  /** Absolute URL as the manifest names it (tokens included). */
  url: string;
  /** The segment's own byte range within `url`, or null for the whole resource. */
  range: ByteRange | null;
  durationSec: number;
  /** Media sequence number (HLS) or segment number (DASH); -1 for init sections and index (sidx) ranges. */
  sequence: number;
}

/** One rendition: an HLS media playlist, or one Representation of one DASH Period. */
export interface ParsedRendition {
  /**
   * Identity before it becomes a swarm key: an HLS media playlist's canonical URL, or an MPD's canonical URL
   * + `#period=<start>&representation=<id>`.
   */
  key: string;
  live: boolean;
  entries: MediaEntry[];
  /** DASH SegmentTemplate: recognises segments the manifest does not list (yet), such as a live edge. */
  templates: TemplatePattern[];
  /** DASH SegmentBase: the index (sidx) range of each media file; its bytes list the media segments. */
  indexes: Array<{ url: string; range: ByteRange }>;
  /** LL-HLS parts and preload hints: passed through untouched (never cached or shared). */
  passUrls: string[];
}
