// Reads an HLS playlist (master or media) with m3u8-parser into what the worker needs: the media segments with
// absolute URLs and byte ranges (EXT-X-MAP init sections included), the playlists a master names, and key URIs.
/// <reference path="./m3u8-parser.d.ts" />
import { type M3u8ByteRange, type M3u8Part, Parser } from 'm3u8-parser';
import type { ByteRange } from './byte-range';
import type { MediaEntry } from './rendition';

export type HlsPlaylist =
  /** Names the playlists of each rendition (variants, alternate audio/subtitles, I-frame playlists). */
  | { type: 'master'; playlistUrls: string[]; keyUrls: string[] }
  | {
      type: 'media';
      live: boolean;
      entries: MediaEntry[];
      keyUrls: string[];
      /** LL-HLS part and preload-hint URIs: never intercepted (a hint is answered while it is being made). */
      partUrls: string[];
    };

const HLS_CONTENT_TYPES = [
  'application/vnd.apple.mpegurl',
  'application/x-mpegurl',
  'audio/mpegurl',
  'audio/x-mpegurl',
];
const KEY_TAG = /^#EXT-X-(?:SESSION-)?KEY:/;
const URI_ATTRIBUTE = /(?:^|,)URI="([^"]*)"/;

/** True for the Content-Types servers send with HLS playlists (parameters such as charset ignored). */
export function isHlsContentType(contentType: string | null): boolean {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return HLS_CONTENT_TYPES.includes(essence);
}

/** True when the body starts like a playlist (`#EXTM3U`, after an optional BOM and blank space). */
export function looksLikeHlsPlaylist(text: string): boolean {
  return text.replace(/^\uFEFF?\s*/, '').startsWith('#EXTM3U');
}

/** Absolute http(s) URL of `uri` against the playlist's own (final, post-redirect) URL; undefined otherwise. */
function resolve(uri: string | undefined, baseUrl: string): string | undefined {
  if (!uri) return undefined;
  try {
    const url = new URL(uri, baseUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function toRange(byterange: M3u8ByteRange | undefined): ByteRange | null | 'invalid' {
  if (!byterange) return null;
  const { length, offset = 0 } = byterange;
  if (!Number.isSafeInteger(length) || !Number.isSafeInteger(offset) || (length ?? 0) <= 0 || offset < 0) {
    return 'invalid';
  }
  return { start: offset, end: offset + (length as number) - 1 };
}

/**
 * Parses `text` fetched from `baseUrl`; undefined when it is not an HLS playlist. Entries with bad URIs are skipped;
 * malformed tags the parser chokes on (e.g. a short IV) throw.
 */
export function parseHlsPlaylist(text: string, baseUrl: string): HlsPlaylist | undefined {
  if (!looksLikeHlsPlaylist(text)) return undefined;
  const parser = new Parser({ uri: baseUrl });
  // Every key URI, whatever its KEYFORMAT (the parser keeps only some) and session keys (it has no tag for them):
  // they must never be intercepted. A tag mapper sees each line and hands it back unchanged.
  const keyUrls = new Set<string>();
  parser.addTagMapper({
    expression: KEY_TAG,
    map: (line) => {
      const url = resolve(URI_ATTRIBUTE.exec(line.slice(line.indexOf(':') + 1))?.[1], baseUrl);
      if (url) keyUrls.add(url);
      return line;
    },
  });
  parser.push(text);
  parser.end();
  const { manifest } = parser;

  const playlistUris = [
    ...(manifest.playlists ?? []).map((playlist) => playlist.uri),
    ...Object.values(manifest.mediaGroups ?? {}).flatMap((groups) =>
      Object.values(groups).flatMap((renditions) =>
        Object.values(renditions).map((rendition) => rendition.uri),
      ),
    ),
    ...manifest.iFramePlaylists.map((playlist) => playlist.uri),
  ];
  if (playlistUris.length > 0) {
    const playlistUrls = new Set<string>();
    for (const uri of playlistUris) {
      const url = resolve(uri, baseUrl);
      if (url) playlistUrls.add(url);
    }
    return { type: 'master', playlistUrls: [...playlistUrls], keyUrls: [...keyUrls] };
  }

  const entries: MediaEntry[] = [];
  const seenInit = new Set<string>();
  // Delta updates (EXT-X-SKIP) leave the skipped segments out but still count them in the sequence.
  const firstSequence = (manifest.mediaSequence ?? 0) + (manifest.skip?.skippedSegments ?? 0);
  manifest.segments.forEach((segment, position) => {
    const map = segment.map;
    const mapUrl = resolve(map?.uri, baseUrl);
    const mapRange = toRange(map?.byterange);
    if (mapUrl && mapRange !== 'invalid') {
      const key = `${mapUrl} ${mapRange?.start}-${mapRange?.end}`;
      if (!seenInit.has(key)) {
        seenInit.add(key);
        entries.push({ url: mapUrl, range: mapRange, durationSec: 0, sequence: -1 });
      }
    }
    const url = resolve(segment.uri, baseUrl);
    const range = toRange(segment.byterange);
    if (!url || range === 'invalid') return;
    entries.push({ url, range, durationSec: segment.duration ?? 0, sequence: firstSequence + position });
  });
  const parts: M3u8Part[] = [
    ...manifest.segments.flatMap((segment) => segment.parts ?? []),
    ...(manifest.preloadSegment?.parts ?? []),
    ...(manifest.preloadSegment?.preloadHints ?? []),
  ];
  const partUrls = new Set(parts.flatMap((part) => resolve(part.uri, baseUrl) ?? []));
  return {
    type: 'media',
    live: manifest.endList !== true,
    entries,
    keyUrls: [...keyUrls],
    partUrls: [...partUrls],
  };
}
