// What the hash service would fetch for a segment id (protocol/segment-ids.ts): the URL and byte range the id
// names, if its origin is listed and nothing about the URL itself forbids fetching it.
import { type ByteSpan, parseSegmentId } from '../../protocol/segment-ids';
import type { OriginAllowList } from './origin-allow-list';

export interface SegmentTarget {
  url: URL;
  /** The bytes to ask for (`Range`), null for the whole resource. */
  range: ByteSpan | null;
  /** A progressive piece: the file's size, which the answer's Content-Range must repeat. */
  fileSize: number | null;
}

/** not-listed: another origin, left to the quorum. refused-policy: listed, but never to be fetched. */
export type TargetVerdict = SegmentTarget | 'not-listed' | 'refused-policy';

export function segmentTarget(segment: string, allowed: OriginAllowList): TargetVerdict {
  const parts = parseSegmentId(segment);
  let url: URL;
  try {
    url = new URL(parts ? parts.url : segment);
  } catch {
    return 'not-listed';
  }
  if (!allowed(url)) return 'not-listed';
  // Credentials in a URL are a viewer's secret, not the origin's public bytes; an id the worker would not make
  // (another fragment) names nothing we could check.
  if (!parts || url.username !== '' || url.password !== '') return 'refused-policy';
  return { url, range: parts.range, fileSize: parts.fileSize };
}
