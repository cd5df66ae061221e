// Parses an HTTP `Range` request header (RFC 9110 §14.1.2) into the single byte range the worker can serve.
// Several ranges, other units or bad syntax come back as 'unsupported': the worker then leaves the request alone.

/** Inclusive byte positions, as in `Content-Range` and `SegmentRef.range`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Bytes in an inclusive range. */
export function rangeLength(range: ByteRange): number {
  return range.end - range.start + 1;
}

export type RangeSpec =
  | { kind: 'none' }
  | { kind: 'unsupported' }
  /** `bytes=start-end` or `bytes=start-` (end null: to the end of the resource). */
  | { kind: 'bytes'; start: number; end: number | null }
  /** `bytes=-length`: the last `length` bytes. */
  | { kind: 'suffix'; length: number };

const SINGLE_RANGE = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function parseRangeHeader(value: string | null): RangeSpec {
  if (value === null) return { kind: 'none' };
  const match = SINGLE_RANGE.exec(value.trim());
  if (!match) return { kind: 'unsupported' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'unsupported' };
  if (first === '') {
    const length = Number(last);
    return Number.isSafeInteger(length) ? { kind: 'suffix', length } : { kind: 'unsupported' };
  }
  const start = Number(first);
  const end = last === '' ? null : Number(last);
  if (!Number.isSafeInteger(start) || (end !== null && (!Number.isSafeInteger(end) || end < start))) {
    return { kind: 'unsupported' };
  }
  return { kind: 'bytes', start, end };
}
