// Reads a DASH MPD with mpd-parser into renditions, one per Period × Representation: segment URLs and byte ranges
// for every addressing mode, URL patterns for SegmentTemplate, and the sidx to read for SegmentBase files.
/// <reference path="./mpd-parser.d.ts" />
import {
  inheritAttributes,
  type MpdByteRange,
  type MpdRepresentationInfo,
  type MpdSegment,
  stringToMpdXml,
  toPlaylists,
} from 'mpd-parser';
import type { ByteRange } from './byte-range';
import type { MediaEntry, ParsedRendition } from './rendition';
import { compileTemplate } from './segment-template';

export interface DashParseOptions {
  /** Wall clock (ms since epoch): where a dynamic MPD's live window is. */
  now: number;
  volatileParams: readonly string[];
  /** A representation that would list more segments than this is skipped (a corrupt or hostile MPD). */
  maxSegments: number;
  /** Live: segments are listed for at most this far back (`timeShiftBufferDepth` may be absent: infinite). */
  maxLiveWindowSec: number;
}

export interface DashManifest {
  renditions: ParsedRendition[];
  /** Keys of representations left out (unreadable, or too many segments): their segments pass through. */
  skipped: string[];
}

const DASH_CONTENT_TYPES = ['application/dash+xml', 'video/vnd.mpeg.dash.mpd'];

export function isDashContentType(contentType: string | null): boolean {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return DASH_CONTENT_TYPES.includes(essence);
}

/** True when the body is XML whose root looks like an MPD (prolog and comments may come first). */
export function looksLikeDashManifest(text: string): boolean {
  return /^\uFEFF?\s*</.test(text) && /<(?:\w+:)?MPD[\s>]/.test(text.slice(0, 8192));
}

function toRange(byterange: MpdByteRange | undefined): ByteRange | null | 'invalid' {
  if (!byterange) return null;
  const { offset, length } = byterange;
  if (typeof offset !== 'number' || typeof length !== 'number') return 'invalid';
  if (!Number.isSafeInteger(offset + length) || offset < 0 || length <= 0) return 'invalid';
  return { start: offset, end: offset + length - 1 };
}

/** How many segments mpd-parser would list: checked first, since it builds them all in memory. */
function estimatedSegments({ attributes, segmentInfo }: MpdRepresentationInfo): number {
  const periodStart = attributes.periodStart ?? 0;
  const periodSec =
    attributes.type === 'dynamic'
      ? attributes.NOW / 1000 -
        (attributes.availabilityStartTime ?? 0) -
        periodStart +
        (attributes.minimumUpdatePeriod ?? 0)
      : (attributes.periodDuration ?? attributes.sourceDuration ?? 0);
  const scale = segmentInfo.template?.timescale ?? segmentInfo.list?.timescale ?? 1;
  const timeline = segmentInfo.segmentTimeline;
  if (timeline) {
    let total = 0;
    let time = timeline[0]?.t ?? 0;
    for (const [position, s] of timeline.entries()) {
      time = s.t ?? time;
      const next = timeline[position + 1]?.t;
      const repeat = s.r ?? 0;
      const count = repeat >= 0 ? repeat + 1 : ((next ?? periodSec * scale) - time) / s.d; // r="-1": up to next S or the end
      if (!Number.isFinite(count) || s.d <= 0) return Number.POSITIVE_INFINITY;
      total += Math.max(0, count);
      time += Math.max(0, count) * s.d;
    }
    return total;
  }
  const duration = segmentInfo.template?.duration ?? segmentInfo.list?.duration;
  if (!duration) return 1;
  const windowSec =
    attributes.type === 'dynamic'
      ? Math.min(periodSec, attributes.timeShiftBufferDepth ?? periodSec)
      : periodSec;
  return windowSec / (duration / scale);
}

function renditionKey(mpdKey: string, info: MpdRepresentationInfo, position: number): string {
  const { periodStart, id } = info.attributes;
  const period = periodStart === null || periodStart === undefined ? 'early' : String(periodStart);
  return `${mpdKey}#period=${period}&representation=${encodeURIComponent(id ?? `#${position}`)}`;
}

/** The init section of a segment: skipped when the MPD names none (mpd-parser then leaves uri and range empty). */
function initEntry(map: MpdSegment['map'], fallback: ByteRange | null): MediaEntry | undefined {
  if (!map || (map.uri === '' && !map.byterange && !fallback)) return undefined;
  const range = toRange(map.byterange);
  if (range === 'invalid') return undefined;
  return { url: map.resolvedUri, range: range ?? fallback, durationSec: 0, sequence: -1 };
}

function readRepresentation(
  info: MpdRepresentationInfo,
  mpdUrl: string,
  options: DashParseOptions,
): Omit<ParsedRendition, 'key'> {
  const [playlist] = toPlaylists([info]);
  const entries: MediaEntry[] = [];
  const seen = new Set<string>();
  const add = (entry: MediaEntry | undefined) => {
    const id = `${entry?.url} ${entry?.range?.start}-${entry?.range?.end}`;
    if (!entry || seen.has(id)) return;
    seen.add(id);
    entries.push(entry);
  };
  const indexes: ParsedRendition['indexes'] = [];
  const sidx = playlist?.sidx;
  const indexRange = toRange(sidx?.byterange);
  if (sidx && indexRange && indexRange !== 'invalid') {
    // SegmentBase: the init section, then the index; the media ranges come from the index (sidx-box.ts).
    // Without Initialization@range, the init section is everything before the index (ftyp + moov).
    const before = indexRange.start > 0 ? { start: 0, end: indexRange.start - 1 } : null;
    add(initEntry(sidx.map, before));
    indexes.push({ url: sidx.resolvedUri, range: indexRange });
    add({ url: sidx.resolvedUri, range: indexRange, durationSec: 0, sequence: -1 });
  }
  for (const segment of playlist?.segments ?? []) {
    add(initEntry(segment.map, null));
    const range = toRange(segment.byterange);
    if (range === 'invalid' || !segment.resolvedUri) continue;
    const sequence = Number.isSafeInteger(segment.number) ? (segment.number as number) : -1;
    add({ url: segment.resolvedUri, range, durationSec: segment.duration ?? 0, sequence });
  }
  const template = info.segmentInfo.template;
  const { id = '', bandwidth = 0, baseUrl = mpdUrl } = info.attributes;
  const durationSec = template?.duration ? template.duration / (template.timescale ?? 1) : 0;
  const pattern =
    template?.media &&
    compileTemplate(template.media, { id, bandwidth }, baseUrl, options.volatileParams, durationSec);
  return {
    live: info.attributes.type === 'dynamic',
    entries,
    templates: pattern ? [pattern] : [],
    indexes,
    passUrls: [],
  };
}

/**
 * Parses `text`, fetched from `mpdUrl` (its final URL, which relative BaseURLs resolve against); `mpdKey` is the
 * MPD's canonical URL, which rendition keys start with. Throws when the text is not a readable MPD.
 */
export function parseDashManifest(
  text: string,
  mpdUrl: string,
  mpdKey: string,
  options: DashParseOptions,
): DashManifest {
  const { representationInfo } = inheritAttributes(stringToMpdXml(text), {
    manifestUri: mpdUrl,
    NOW: options.now,
  });
  const byKey = new Map<string, ParsedRendition>();
  const skipped: string[] = [];
  representationInfo.forEach((info, position) => {
    const key = renditionKey(mpdKey, info, position);
    if (info.attributes.type === 'dynamic') {
      const depth = info.attributes.timeShiftBufferDepth ?? Number.POSITIVE_INFINITY;
      info.attributes.timeShiftBufferDepth = Math.min(depth, options.maxLiveWindowSec);
    }
    let read: Omit<ParsedRendition, 'key'>;
    try {
      if (!(estimatedSegments(info) <= options.maxSegments)) throw new Error('too many segments');
      read = readRepresentation(info, mpdUrl, options);
    } catch {
      skipped.push(key);
      return;
    }
    // Several BaseURLs (CDN alternatives) repeat a representation: one rendition, all their URLs.
    const previous = byKey.get(key);
    if (!previous) {
      byKey.set(key, { key, ...read });
      return;
    }
    previous.entries.push(...read.entries);
    previous.templates.push(...read.templates);
    previous.indexes.push(...read.indexes);
  });
  return { renditions: [...byKey.values()], skipped };
}
