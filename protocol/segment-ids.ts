// How a segment id names its bytes, declared once: the worker makes ids (sw/worker/segment-id.ts canonicalizes
// the URL first), the signal server's hash service reads them back to fetch exactly those bytes from the origin.
// `<canonical URL>` for a whole resource, `#bytes=start-end` for a byte range of it, `#bytes=start-end/size` for
// a piece of a progressive file of `size` bytes. Canonical URLs have no `#`, so the first one starts the suffix.

/** Inclusive byte positions, as in `Content-Range`. */
export interface ByteSpan {
  start: number;
  end: number;
}

/** What an id names: a URL, and the byte range within it (and the file's size, for a progressive piece). */
export interface SegmentIdParts {
  url: string;
  range: ByteSpan | null;
  /** The whole file's size, for a piece of a progressive file; null otherwise. */
  fileSize: number | null;
}

/** A segment's id: its canonical URL, plus `#bytes=start-end` for a byte range. */
export function segmentId(canonicalSegmentUrl: string, range: ByteSpan | null): string {
  return range ? `${canonicalSegmentUrl}#bytes=${range.start}-${range.end}` : canonicalSegmentUrl;
}

/**
 * A progressive file's piece: `#bytes=start-end/size`, read like a Content-Range. The piece's own range (never a
 * player's request range) keeps ids equal across viewers; the size makes a file replaced by one of another
 * size a different resource, so its old pieces are never mixed with the new ones.
 */
export function pieceId(canonicalFileUrl: string, range: ByteSpan, size: number): string {
  return `${canonicalFileUrl}#bytes=${range.start}-${range.end}/${size}`;
}

/** The canonical URL part of a segment id. */
export function segmentUrlOf(id: string): string {
  const hash = id.indexOf('#');
  return hash === -1 ? id : id.slice(0, hash);
}

const SUFFIX = /^#bytes=(\d{1,15})-(\d{1,15})(?:\/(\d{1,15}))?$/;

/** An id read back into its parts; null when it is not one these functions make (another suffix, a bad range). */
export function parseSegmentId(id: string): SegmentIdParts | null {
  const hash = id.indexOf('#');
  if (hash === -1) return { url: id, range: null, fileSize: null };
  const match = SUFFIX.exec(id.slice(hash));
  if (!match) return null;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const fileSize = match[3] === undefined ? null : Number(match[3]);
  if (end < start || (fileSize !== null && end >= fileSize)) return null;
  return { url: id.slice(0, hash), range: { start, end }, fileSize };
}
