// Types for the part of mpd-parser 1.x (untyped JavaScript) that dash-manifest.ts uses: its lower-level steps,
// which keep each Period's representations apart (its `parse` merges periods into one playlist per id).
declare module 'mpd-parser' {
  export interface MpdByteRange {
    /** Numbers, or BigInt beyond Number.MAX_SAFE_INTEGER. */
    length: number | bigint;
    offset: number | bigint;
  }

  export interface MpdSegment {
    uri: string;
    resolvedUri: string;
    byterange?: MpdByteRange;
    duration?: number;
    number?: number;
    map?: { uri: string; resolvedUri: string; byterange?: MpdByteRange };
  }

  /** Attributes inherited down to a Representation (MPD, Period, AdaptationSet, Representation, BaseURL). */
  export interface MpdAttributes {
    type: 'static' | 'dynamic';
    id?: string;
    bandwidth?: number;
    baseUrl?: string;
    periodStart?: number | null;
    periodDuration?: number;
    sourceDuration?: number;
    availabilityStartTime?: number;
    minimumUpdatePeriod?: number;
    timeShiftBufferDepth?: number;
    NOW: number;
    clientOffset: number;
    [name: string]: unknown;
  }

  export interface MpdTemplateInfo {
    media?: string;
    timescale?: number;
    duration?: number;
    startNumber?: number;
  }

  export interface MpdSegmentInfo {
    template?: MpdTemplateInfo;
    segmentTimeline?: Array<{ t?: number; d: number; r?: number }>;
    list?: { duration?: number; timescale?: number; segmentUrls?: unknown[] };
    base?: { indexRange?: string };
  }

  export interface MpdRepresentationInfo {
    attributes: MpdAttributes;
    segmentInfo: MpdSegmentInfo;
  }

  export interface MpdPlaylist {
    attributes: MpdAttributes;
    segments?: MpdSegment[];
    /** SegmentBase with an indexRange: the index to read; `segments` is then empty. */
    sidx?: MpdSegment;
  }

  /** An xmldom node (the parser's own XML tree). */
  export type MpdNode = object;

  export function stringToMpdXml(manifest: string): MpdNode;
  export function inheritAttributes(
    mpd: MpdNode,
    options?: { manifestUri?: string; NOW?: number; clientOffset?: number },
  ): { representationInfo: MpdRepresentationInfo[] };
  export function toPlaylists(representations: MpdRepresentationInfo[]): MpdPlaylist[];
}
