// Types for the part of m3u8-parser 7 (untyped JavaScript) that hls-playlist.ts reads.
declare module 'm3u8-parser' {
  export interface M3u8ByteRange {
    length?: number;
    offset?: number;
  }

  /** LL-HLS: an EXT-X-PART, or an EXT-X-PRELOAD-HINT (which also has a `type`). */
  export interface M3u8Part {
    uri?: string;
    byterange?: M3u8ByteRange;
  }

  export interface M3u8Segment {
    uri?: string;
    parts?: M3u8Part[];
    duration?: number;
    byterange?: M3u8ByteRange;
    map?: { uri?: string; byterange?: M3u8ByteRange };
    key?: { method: string; uri: string };
  }

  export interface M3u8Manifest {
    segments: M3u8Segment[];
    playlists?: Array<{ uri?: string }>;
    mediaGroups?: Record<string, Record<string, Record<string, { uri?: string }>>>;
    iFramePlaylists: Array<{ uri?: string }>;
    mediaSequence?: number;
    endList?: boolean;
    playlistType?: string;
    skip?: { skippedSegments?: number };
    /** LL-HLS: the segment still being made (parts and hints, no URI yet). */
    preloadSegment?: { parts?: M3u8Part[]; preloadHints?: M3u8Part[] };
  }

  export class Parser {
    constructor(options?: { uri?: string; mainDefinitions?: Record<string, string> });
    manifest: M3u8Manifest;
    push(chunk: string): void;
    end(): void;
    addTagMapper(options: { expression: RegExp; map: (line: string) => string }): void;
    on(event: 'warn' | 'info' | 'error', listener: (event: { message: string }) => void): void;
  }
}
