// A progressive file (`<video src=file.mp4>`) as peers share it: fixed-size pieces, and which pieces answer a
// Range request. Pure: the assembler (range-assembler.ts) gets the bytes.

import { pieceId } from '../../protocol/segment-ids';
import type { AssemblyPlan } from './assembly-plan';
import type { ByteRange, RangeSpec } from './byte-range';
import type { ProgressiveRecord } from './index-records';
import type { RangedRef } from './segment-index';

export interface PieceLayout {
  /** Size of the whole file in bytes (> 0). */
  size: number;
  /** Bytes per piece; the last piece holds the rest. */
  pieceBytes: number;
}

export type PiecePlan =
  /** Pieces `first`..`last` (inclusive) hold `range`, the bytes to answer with. */
  | { kind: 'pieces'; first: number; last: number; range: ByteRange }
  /** The range starts at or beyond the end of the file (416). */
  | { kind: 'unsatisfiable' };

export function pieceCount({ size, pieceBytes }: PieceLayout): number {
  return Math.ceil(size / pieceBytes);
}

/** Inclusive byte range of piece `index`. */
export function pieceRange({ size, pieceBytes }: PieceLayout, index: number): ByteRange {
  const start = index * pieceBytes;
  return { start, end: Math.min(size, start + pieceBytes) - 1 };
}

/**
 * The pieces that answer `spec`, or undefined for a request without a usable single range (the caller passes it
 * through). The answer is bounded: it ends where asked, at the end of the file, or at the end of the piece
 * `maxResponseBytes` into the request, whichever comes first — a media element asks again for the rest
 * (`bytes=N-` means "from N on", and a shorter 206 is a complete answer to it).
 */
export function planPieces(
  layout: PieceLayout,
  spec: RangeSpec,
  maxResponseBytes: number,
): PiecePlan | undefined {
  const { size, pieceBytes } = layout;
  let start: number;
  let end: number;
  switch (spec.kind) {
    case 'none':
    case 'unsupported':
      return undefined;
    case 'suffix':
      // RFC 9110 §14.1.2: a zero-length suffix cannot be satisfied.
      if (spec.length === 0) return { kind: 'unsatisfiable' };
      start = Math.max(0, size - spec.length);
      end = size - 1;
      break;
    case 'bytes':
      start = spec.start;
      end = Math.min(spec.end ?? size - 1, size - 1);
      break;
  }
  if (start >= size) return { kind: 'unsatisfiable' };
  const first = Math.floor(start / pieceBytes);
  const maxPieces = Math.max(1, Math.ceil(maxResponseBytes / pieceBytes));
  const lastAllowed = Math.min(first + maxPieces - 1, pieceCount(layout) - 1);
  end = Math.min(end, pieceRange(layout, lastAllowed).end);
  return { kind: 'pieces', first, last: Math.floor(end / pieceBytes), range: { start, end } };
}

/** Piece `index` of a sized file, as peers name and share it (durationSec 0: pieces carry no timing). */
export function pieceRef(record: ProgressiveRecord, index: number): RangedRef {
  const range = pieceRange(record, index);
  return {
    id: pieceId(record.url, range, record.size),
    swarm: record.swarm,
    url: record.playerUrl,
    range,
    durationSec: 0,
    sequence: index,
  };
}

/** How to answer `spec` for a sized file: pieces to assemble, a 416, or undefined (no usable Range: pass). */
export function progressivePlan(
  record: ProgressiveRecord,
  spec: RangeSpec,
  maxResponseBytes: number,
): AssemblyPlan | 'unsatisfiable' | undefined {
  const plan = planPieces(record, spec, maxResponseBytes);
  if (plan?.kind !== 'pieces') return plan && 'unsatisfiable';
  const parts: RangedRef[] = [];
  for (let index = plan.first; index <= plan.last; index++) parts.push(pieceRef(record, index));
  return {
    parts,
    range: plan.range,
    totalSize: record.size,
    contentType: record.contentType,
    progressiveUrl: record.url,
  };
}
