// What a Range request is answered with when whole parts hold it: decided from the index (request-classifier.ts,
// piece-plan.ts), carried out by range-assembler.ts.
import type { ByteRange } from './byte-range';
import type { RangedRef } from './segment-index';

/** What to answer with, decided by the classifier from the index. */
export interface AssemblyPlan {
  /** Adjacent whole parts, in byte order, that together hold `range`. */
  parts: RangedRef[];
  /** The bytes to answer with (within the parts). */
  range: ByteRange;
  /** The file's size when known (progressive files); else Content-Range says `/*`, as RFC 9110 allows. */
  totalSize: number | null;
  /** Content-Type of the file when known; else that of the first part. */
  contentType: string | null;
  /** Canonical URL of a progressive file (its record is dropped if the network reports another size). */
  progressiveUrl: string | null;
}
