// Reads the segment index (`sidx` box, ISO/IEC 14496-12 §8.16.3) of a DASH SegmentBase file: the byte ranges and
// durations of its media segments, which players then fetch one Range request each.
import type { ByteRange } from './byte-range';

export interface SidxSegment {
  /** Inclusive byte range of the media segment in the file. */
  range: ByteRange;
  durationSec: number;
}

/** More references than this in one box is not a media index: refused rather than indexed. */
const MAX_REFERENCES = 65_535;
const BOX_HEADER = 8;

/**
 * The media segments listed by the first `sidx` box in `data`, which sits at byte `fileOffset` of the file (the
 * index range the MPD names, as the player fetched it). Undefined when there is no well-formed sidx, or when it
 * points at further sidx boxes (hierarchical indexes are not followed: their segments pass through unshared).
 */
export function parseSidx(data: ArrayBuffer, fileOffset: number): SidxSegment[] | undefined {
  const view = new DataView(data);
  let position = 0;
  while (position + BOX_HEADER <= view.byteLength) {
    let size = view.getUint32(position);
    const type = String.fromCharCode(...new Uint8Array(data, position + 4, 4));
    let header = BOX_HEADER;
    if (size === 1) {
      if (position + 16 > view.byteLength) return undefined;
      size = Number(view.getBigUint64(position + 8));
      header = 16;
    } else if (size === 0) {
      size = view.byteLength - position; // "extends to the end of the file"
    }
    if (size < header) return undefined;
    if (type === 'sidx') {
      if (position + size > view.byteLength) return undefined;
      return readSidx(view, position + header, fileOffset + position + size);
    }
    position += size;
  }
  return undefined;
}

/** `body` is where the box's fields start; `boxEnd` the file offset just past the box (first_offset counts from it). */
function readSidx(view: DataView, body: number, boxEnd: number): SidxSegment[] | undefined {
  const version = view.getUint8(body);
  // version+flags (4), reference_ID (4), timescale (4), then two 32- or 64-bit fields, reserved (2), count (2).
  const fixed = 12 + (version === 0 ? 8 : 16) + 4;
  if (body + fixed > view.byteLength) return undefined;
  const timescale = view.getUint32(body + 8);
  const firstOffset = version === 0 ? view.getUint32(body + 16) : Number(view.getBigUint64(body + 20));
  const count = view.getUint16(body + fixed - 2);
  if (timescale === 0 || count === 0 || count > MAX_REFERENCES) return undefined;
  if (body + fixed + count * 12 > view.byteLength) return undefined;

  const segments: SidxSegment[] = [];
  let start = boxEnd + firstOffset;
  for (let index = 0; index < count; index++) {
    const entry = body + fixed + index * 12;
    const word = view.getUint32(entry);
    // reference_type 1: this reference is another sidx, not media.
    if (word >>> 31 === 1) return undefined;
    const size = word & 0x7fffffff;
    if (size === 0 || !Number.isSafeInteger(start + size)) return undefined;
    segments.push({
      range: { start, end: start + size - 1 },
      durationSec: view.getUint32(entry + 4) / timescale,
    });
    start += size;
  }
  return segments;
}
