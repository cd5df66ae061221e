// What an HLS playlist lists, for its sidecar: a media playlist's segments (EXT-X-MAP init sections and
// EXT-X-BYTERANGE ranges included) with the line naming each, read by the worker's own parser so both agree.
// The tags the parser would pass over silently are checked first, so a broken playlist is named with its line.
import { parseHlsPlaylist } from '../sw/worker/hls-playlist';
import type { SegmentSpan } from './segment-span';
import { SidecarError } from './sidecar-error';

export type HlsDescription = { kind: 'master' } | { kind: 'media'; live: boolean; entries: SegmentSpan[] };

const EXTINF = /^#EXTINF:\s*\d+(?:\.\d+)?\s*(?:,.*)?$/;
const BYTERANGE = /^#EXT-X-BYTERANGE:\s*\d+(?:@\d+)?\s*$/;
const MAP_URI = /^#EXT-X-MAP:(?:.*,)?URI="[^"]+"/;

/** `file` names the playlist in errors; `url` is where it sits (relative URIs resolve against it). */
export function describeHlsPlaylist(text: string, url: string, file: string): HlsDescription {
  const lines = text.split(/\r?\n/);
  const first = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  if (!first.startsWith('#EXTM3U'))
    throw new SidecarError('not-a-playlist', file, 'line 1', { found: first.slice(0, 40) });
  /** URI → the line that first names it (segments and init sections). */
  const lineOf = new Map<string, number>();
  let master = false;
  let awaitingUri: 'segment' | 'playlist' | null = null;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const where = `line ${index + 1}`;
    const check = (pattern: RegExp, tag: string, expected: string) => {
      if (!pattern.test(line)) throw new SidecarError('malformed-tag', file, where, { tag, expected });
    };
    if (line.startsWith('#EXTINF')) {
      check(EXTINF, '#EXTINF', '#EXTINF:<duration>,[<title>]');
      awaitingUri = 'segment';
    } else if (line.startsWith('#EXT-X-BYTERANGE')) {
      check(BYTERANGE, '#EXT-X-BYTERANGE', '#EXT-X-BYTERANGE:<length>[@<offset>]');
    } else if (line.startsWith('#EXT-X-MAP')) {
      check(MAP_URI, '#EXT-X-MAP', '#EXT-X-MAP:URI="<uri>"[,BYTERANGE="<length>[@<offset>]"]');
      const uri = /URI="([^"]+)"/.exec(line)?.[1] as string;
      lineOf.set(resolve(uri, url), lineOf.get(resolve(uri, url)) ?? index + 1);
    } else if (line.startsWith('#EXT-X-STREAM-INF')) {
      master = true;
      awaitingUri = 'playlist';
    } else if (line.startsWith('#EXT-X-MEDIA:') || line.startsWith('#EXT-X-I-FRAME-STREAM-INF')) {
      master = true;
    } else if (line !== '' && !line.startsWith('#')) {
      if (awaitingUri === null) throw new SidecarError('uri-without-extinf', file, where, { uri: line });
      if (awaitingUri === 'segment')
        lineOf.set(resolve(line, url), lineOf.get(resolve(line, url)) ?? index + 1);
      awaitingUri = null;
    }
  });
  let parsed: ReturnType<typeof parseHlsPlaylist>;
  try {
    parsed = parseHlsPlaylist(text, url);
  } catch (error) {
    throw new SidecarError('malformed-tag', file, null, { tag: 'playlist', expected: String(error) });
  }
  if (!parsed || parsed.type === 'master' || master) return { kind: 'master' };
  return {
    kind: 'media',
    live: parsed.live,
    entries: parsed.entries.map(({ url: entryUrl, range }) => ({
      url: entryUrl,
      range,
      where: lineOf.has(entryUrl) ? `line ${lineOf.get(entryUrl)}` : null,
    })),
  };
}

function resolve(uri: string, base: string): string {
  try {
    return new URL(uri, base).href;
  } catch {
    return uri;
  }
}
