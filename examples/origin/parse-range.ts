// Resolves an HTTP Range header against a resource size (RFC 9110 §14), single byte ranges only; the header's
// syntax is read by the worker's parser, so the origin and the worker agree on what a Range says.
import { parseRangeHeader } from '../../sw/worker/byte-range';

/** An inclusive byte range, a range no byte of which exists ('unsatisfiable': answer 416), or null: send it all. */
export type RangeRequest = { start: number; end: number } | 'unsatisfiable' | null;

export function parseRange(header: string | undefined, size: number): RangeRequest {
  const spec = parseRangeHeader(header ?? null);
  // No Range, several ranges, other units or bad syntax: the full representation is a valid answer.
  if (spec.kind === 'none' || spec.kind === 'unsupported') return null;
  if (spec.kind === 'suffix') {
    // The last N bytes.
    if (spec.length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - spec.length), end: size - 1 };
  }
  if (spec.start >= size) return 'unsatisfiable';
  return { start: spec.start, end: spec.end === null ? size - 1 : Math.min(spec.end, size - 1) };
}
