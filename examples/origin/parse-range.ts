// Parses an HTTP Range header against a resource size (RFC 9110 §14), single byte ranges only.

/** An inclusive byte range, a range no byte of which exists ('unsatisfiable': answer 416), or null: send it all. */
export type RangeRequest = { start: number; end: number } | 'unsatisfiable' | null;

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function parseRange(header: string | undefined, size: number): RangeRequest {
  // Multiple ranges and unknown units are legal to ignore: the full representation is a valid answer.
  const match = header === undefined ? null : SINGLE_RANGE.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // Suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return null; // Syntactically invalid: ignored, per the RFC.
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
