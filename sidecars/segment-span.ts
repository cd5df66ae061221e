// One thing a manifest names for players to fetch, as a sidecar entry will list it: a URL (under the virtual
// base that stands for the directory, or elsewhere) and maybe a byte range, with where the manifest names it.
import type { ByteSpan } from '../protocol/segment-ids';

export interface SegmentSpan {
  url: string;
  range: ByteSpan | null;
  /** Where the manifest names it (`line 12`, `Representation id="720p"`), for errors; null when unknown. */
  where: string | null;
}
