// Builds the HTTP response the player gets for bytes the worker holds (cache or peers): 200, or 206 with
// Content-Range for a single Range, or 416 — with the Content-Type, Content-Length and Accept-Ranges a server sends.
import { parseRangeHeader } from './byte-range';

/** Where the held bytes sit in the resource: a byte-range segment starts at `offset` of a file of unknown size. */
export interface RangePlacement {
  offset: number;
  /** Size of the whole resource, null when unknown (Content-Range then says `/*`, as RFC 9110 allows). */
  totalSize: number | null;
}

/**
 * `data` is the whole resource unless `placement` says otherwise. A range outside the held window gets 416:
 * callers only ask for ranges they hold (the segment index matches requests to what a segment covers).
 * Without a Range header the held bytes are the answer (200).
 */
export function createRangeResponse(
  data: ArrayBuffer,
  contentType: string,
  rangeHeader: string | null,
  placement: RangePlacement = { offset: 0, totalSize: data.byteLength },
): Response {
  const headers = new Headers({ 'Content-Type': contentType, 'Accept-Ranges': 'bytes' });
  const { offset, totalSize } = placement;
  const spec = parseRangeHeader(rangeHeader);
  // RFC 9110: a server may ignore a Range it does not support and send the whole representation.
  const whole =
    spec.kind === 'none' || spec.kind === 'unsupported' || (spec.kind === 'suffix' && totalSize === null);
  if (whole) {
    headers.set('Content-Length', String(data.byteLength));
    return new Response(data, { status: 200, headers });
  }

  let first: number;
  let last: number;
  if (spec.kind === 'suffix') {
    const size = totalSize ?? 0;
    first = Math.max(0, size - spec.length);
    last = spec.length === 0 ? -1 : size - 1;
  } else {
    first = spec.start;
    last = spec.end ?? (totalSize ?? offset + data.byteLength) - 1;
    if (totalSize !== null) last = Math.min(last, totalSize - 1);
  }

  const heldEnd = offset + data.byteLength - 1;
  if (last < first || first < offset || last > heldEnd) return createUnsatisfiableResponse(totalSize);

  const body = data.slice(first - offset, last - offset + 1);
  headers.set('Content-Range', `bytes ${first}-${last}/${totalSize ?? '*'}`);
  headers.set('Content-Length', String(body.byteLength));
  return new Response(body, { status: 206, statusText: 'Partial Content', headers });
}

/** 416 for a range outside the resource (or outside what is held), with its size when known. */
export function createUnsatisfiableResponse(totalSize: number | null): Response {
  const headers = new Headers({ 'Content-Length': '0', 'Accept-Ranges': 'bytes' });
  if (totalSize !== null) headers.set('Content-Range', `bytes */${totalSize}`);
  return new Response(null, { status: 416, statusText: 'Range Not Satisfiable', headers });
}
