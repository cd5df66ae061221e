// What the worker knows from the manifests it has seen: which URLs (and byte ranges) are shareable segments, which
// are manifests or keys, and which progressive files it has sized. Bounded: a few dozen records, a cap on each.
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { segmentUrlOf } from '../../protocol/segment-ids';
import { BoundedMap } from '../shared/bounded-map';
import type { ByteRange, RangeSpec } from './byte-range';
import type { WorkerLimits } from './config';
import { CountedSet } from './counted-set';
import type { IndexRecord, ProgressiveRecord, RenditionRecord } from './index-records';
import { matchTemplate, type TemplatePattern } from './segment-template';

/** A request for one known segment. `exact`: exactly its bytes; otherwise a range inside a whole-file segment. */
export interface SegmentMatch {
  ref: SegmentRef;
  exact: boolean;
}

/** A byte-range segment (or progressive piece): what assembled answers are cut from. */
export type RangedRef = SegmentRef & { range: ByteRange };

export type IndexMatch =
  | { kind: 'segment'; match: SegmentMatch }
  /** A range within byte-range segments of one file: a slice of one, or a span over adjacent ones. */
  | { kind: 'span'; parts: RangedRef[]; range: ByteRange }
  /** The URL holds known segments, but not the bytes asked for: the request passes through. */
  | { kind: 'uncovered' };

interface IndexedSegment {
  ref: SegmentRef;
  /** Record that indexed it last: only that record's update or eviction removes it. */
  owner: string;
}

interface CompiledTemplate {
  pattern: TemplatePattern;
  regex: RegExp;
  swarm: string;
}

type IndexLimits = Pick<WorkerLimits, 'maxPlaylists' | 'maxSegmentsPerPlaylist' | 'liveRetainWindows'>;

/** A request spanning more segments than this passes through (players ask for one, or init + index). */
const MAX_SPAN_PARTS = 16;

function rangeKey(range: SegmentRef['range']): string {
  return range ? `${range.start}-${range.end}` : '';
}

export class SegmentIndex {
  /** Insertion order is recency: re-adding moves a record to the end, eviction takes from the front. */
  private readonly records: BoundedMap<string, IndexRecord>;
  /** Canonical segment URL → range key ('' for the whole resource) → segment. */
  private readonly segments = new Map<string, Map<string, IndexedSegment>>();
  /** Byte-range segments of a URL sorted by start, built when a span is first looked up. */
  private readonly sorted = new Map<string, RangedRef[]>();
  private readonly templates = new Map<string, CompiledTemplate[]>();
  private readonly playlistUrls = new CountedSet();
  private readonly keyUrls = new CountedSet();
  private readonly passUrls = new CountedSet();
  private readonly indexIds = new CountedSet();
  /** Files that cannot be pieced (no ranges, size hidden by CORS): passed through without another probe. */
  private readonly unshareable: BoundedMap<string, true>;

  constructor(private readonly limits: IndexLimits) {
    this.records = new BoundedMap(limits.maxPlaylists);
    this.unshareable = new BoundedMap(limits.maxPlaylists);
  }

  /** Adds or replaces a record. Returns the record as kept (to persist) and the keys of records evicted. */
  add(record: IndexRecord): { kept: IndexRecord; evicted: string[] } {
    const previous = this.records.get(record.url);
    const kept = record.kind === 'media' ? this.bounded(record, previous) : record;
    if (previous) this.unregister(previous);
    const dropped = this.records.setAndEvict(record.url, kept);
    this.register(kept);
    for (const [, oldest] of dropped) this.unregister(oldest);
    return { kept, evicted: dropped.map(([url]) => url) };
  }

  /** Forgets a record (a progressive file that changed size on the server). */
  remove(url: string): void {
    const record = this.records.get(url);
    if (!record) return;
    this.records.delete(url);
    this.unregister(record);
  }

  get(url: string): IndexRecord | undefined {
    return this.records.get(url);
  }

  /** Media records, least recently added first. */
  renditions(): RenditionRecord[] {
    return [...this.records.values()].filter((record) => record.kind === 'media');
  }

  isPlaylist(canonicalPlaylistUrl: string): boolean {
    return this.playlistUrls.has(canonicalPlaylistUrl);
  }

  isKey(canonicalUrl: string): boolean {
    return this.keyUrls.has(canonicalUrl);
  }

  isPassUrl(canonicalUrl: string): boolean {
    return this.passUrls.has(canonicalUrl);
  }

  /** Whether a segment's bytes are a DASH index (sidx) to read. */
  isIndexSegment(id: string): boolean {
    return this.indexIds.has(id);
  }

  progressive(canonicalUrl: string): ProgressiveRecord | undefined {
    const record = this.records.get(canonicalUrl);
    return record?.kind === 'progressive' ? record : undefined;
  }

  markUnshareable(canonicalUrl: string): void {
    this.unshareable.set(canonicalUrl, true);
  }

  isUnshareable(canonicalUrl: string): boolean {
    return this.unshareable.has(canonicalUrl);
  }

  /**
   * What a request for `canonicalUrl` with `range` asks for. `requestUrl` (tokens included) becomes the url of a
   * segment recognised by template. Undefined when no record knows the URL.
   */
  match(canonicalUrl: string, range: RangeSpec, requestUrl = canonicalUrl): IndexMatch | undefined {
    const byRange = this.segments.get(canonicalUrl);
    const whole =
      byRange?.get('')?.ref ?? (byRange ? undefined : this.fromTemplate(canonicalUrl, requestUrl));
    if (!byRange && !whole) return undefined;
    if (range.kind === 'none') return whole ? segment(whole, true) : { kind: 'uncovered' };
    if (range.kind === 'bytes' && range.end !== null) {
      const same = byRange?.get(rangeKey({ start: range.start, end: range.end }))?.ref;
      if (same) return segment(same, true);
      if (whole) return segment(whole, false);
      const parts = this.cover(canonicalUrl, range.start, range.end);
      return parts
        ? { kind: 'span', parts, range: { start: range.start, end: range.end } }
        : { kind: 'uncovered' };
    }
    // Open-ended and suffix ranges need the resource's size: only a whole-file segment knows it.
    return whole && range.kind !== 'unsupported' ? segment(whole, false) : { kind: 'uncovered' };
  }

  /** Adjacent byte-range segments of `url` that together hold `start`..`end`, or undefined (a gap, or too many). */
  private cover(url: string, start: number, end: number): RangedRef[] | undefined {
    let sorted = this.sorted.get(url);
    if (!sorted) {
      sorted = [...(this.segments.get(url)?.values() ?? [])]
        .flatMap(({ ref }) => (ref.range ? [{ ...ref, range: ref.range }] : []))
        .sort((a, b) => a.range.start - b.range.start);
      this.sorted.set(url, sorted);
    }
    // The last segment starting at or before `start` (binary search).
    let low = 0;
    let high = sorted.length - 1;
    let at = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((sorted[middle]?.range.start ?? 0) <= start) {
        at = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    const parts: RangedRef[] = [];
    for (let next = start; next <= end; at++) {
      const ref = sorted[at];
      if (!ref || ref.range.end < next || (parts.length > 0 && ref.range.start !== next)) return undefined;
      if (parts.push(ref) > MAX_SPAN_PARTS) return undefined;
      next = ref.range.end + 1;
    }
    return parts;
  }

  private fromTemplate(canonicalUrl: string, requestUrl: string): SegmentRef | undefined {
    for (const compiled of this.templates.values()) {
      for (const { pattern, regex, swarm } of compiled) {
        const values = matchTemplate(pattern, regex, canonicalUrl);
        if (!values) continue;
        const sequence = values.number ?? -1;
        return {
          id: canonicalUrl,
          swarm,
          url: requestUrl,
          range: null,
          durationSec: pattern.durationSec,
          sequence,
        };
      }
    }
    return undefined;
  }

  /** Live: keeps up to `liveRetainWindows` windows of segments that slid out; every rendition: the size cap. */
  private bounded(record: RenditionRecord, previous: IndexRecord | undefined): RenditionRecord {
    let segments = record.segments;
    if (record.live && previous?.kind === 'media') {
      const current = new Set(segments.map((segment) => segment.id));
      const slid = previous.segments.filter((segment) => !current.has(segment.id));
      const keep = Math.ceil(segments.length * this.limits.liveRetainWindows);
      segments = [...slid.slice(Math.max(0, slid.length - keep)), ...segments];
    }
    const max = this.limits.maxSegmentsPerPlaylist;
    if (segments.length > max) segments = record.live ? segments.slice(-max) : segments.slice(0, max);
    return segments === record.segments ? record : { ...record, segments };
  }

  private register(record: IndexRecord): void {
    if (record.kind === 'progressive') return;
    this.playlistUrls.add(record.url);
    for (const url of record.keyUrls) this.keyUrls.add(url);
    if (record.kind === 'master') {
      for (const url of record.playlistUrls) this.playlistUrls.add(url);
      return;
    }
    for (const url of record.passUrls ?? []) this.passUrls.add(url);
    for (const id of record.indexIds ?? []) this.indexIds.add(id);
    const templates = (record.templates ?? []).map((pattern) => ({
      pattern,
      regex: new RegExp(pattern.source),
      swarm: record.swarm,
    }));
    if (templates.length > 0) this.templates.set(record.url, templates);
    for (const ref of record.segments) {
      const url = segmentUrlOf(ref.id);
      let byRange = this.segments.get(url);
      if (!byRange) {
        byRange = new Map();
        this.segments.set(url, byRange);
      }
      byRange.set(rangeKey(ref.range), { ref, owner: record.url });
      this.sorted.delete(url);
    }
  }

  private unregister(record: IndexRecord): void {
    if (record.kind === 'progressive') return;
    this.playlistUrls.remove(record.url);
    for (const url of record.keyUrls) this.keyUrls.remove(url);
    if (record.kind === 'master') {
      for (const url of record.playlistUrls) this.playlistUrls.remove(url);
      return;
    }
    for (const url of record.passUrls ?? []) this.passUrls.remove(url);
    for (const id of record.indexIds ?? []) this.indexIds.remove(id);
    this.templates.delete(record.url);
    for (const ref of record.segments) {
      const url = segmentUrlOf(ref.id);
      const byRange = this.segments.get(url);
      const key = rangeKey(ref.range);
      if (byRange?.get(key)?.owner !== record.url) continue;
      byRange.delete(key);
      this.sorted.delete(url);
      if (byRange.size === 0) this.segments.delete(url);
    }
  }
}

function segment(ref: SegmentRef, exact: boolean): IndexMatch {
  return { kind: 'segment', match: { ref, exact } };
}
