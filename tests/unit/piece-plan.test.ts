// Progressive files in pieces: which pieces answer a Range request, at every edge — first and last byte, spans,
// the short last piece, beyond the end, Safari's 2-byte probe, and the bound on one answer.
import { describe, expect, it } from 'vitest';
import { parseRangeHeader } from '../../sw/worker/byte-range';
import type { ProgressiveRecord } from '../../sw/worker/index-records';
import { pieceCount, pieceRange, pieceRef, planPieces, progressivePlan } from '../../sw/worker/piece-plan';

const P = 1000;
/** 10 full pieces and a last one of 5 bytes. */
const LAYOUT = { size: 10 * P + 5, pieceBytes: P };
const BOUND = 4 * P;

const plan = (header: string | null) => planPieces(LAYOUT, parseRangeHeader(header), BOUND);

describe('pieces of a file', () => {
  it('cuts the file into fixed pieces, the last one shorter', () => {
    expect(pieceCount(LAYOUT)).toBe(11);
    expect(pieceRange(LAYOUT, 0)).toEqual({ start: 0, end: 999 });
    expect(pieceRange(LAYOUT, 10)).toEqual({ start: 10_000, end: 10_004 });
    expect(pieceCount({ size: 3 * P, pieceBytes: P })).toBe(3);
  });
});

describe('planPieces', () => {
  it("answers Safari's bytes=0-1 probe from the first piece", () => {
    expect(plan('bytes=0-1')).toEqual({ kind: 'pieces', first: 0, last: 0, range: { start: 0, end: 1 } });
  });

  it('answers the first byte and the last byte', () => {
    expect(plan('bytes=0-0')).toEqual({ kind: 'pieces', first: 0, last: 0, range: { start: 0, end: 0 } });
    expect(plan('bytes=10004-10004')).toEqual({
      kind: 'pieces',
      first: 10,
      last: 10,
      range: { start: 10_004, end: 10_004 },
    });
    expect(plan('bytes=-1')).toEqual({
      kind: 'pieces',
      first: 10,
      last: 10,
      range: { start: 10_004, end: 10_004 },
    });
  });

  it('spans pieces, and ends exactly on a piece boundary when asked to', () => {
    expect(plan('bytes=999-1000')).toEqual({
      kind: 'pieces',
      first: 0,
      last: 1,
      range: { start: 999, end: 1000 },
    });
    expect(plan('bytes=1000-2999')).toEqual({
      kind: 'pieces',
      first: 1,
      last: 2,
      range: { start: 1000, end: 2999 },
    });
  });

  it('bounds an open-ended request to a few pieces from where it starts (the element asks again)', () => {
    expect(plan('bytes=0-')).toEqual({ kind: 'pieces', first: 0, last: 3, range: { start: 0, end: 3999 } });
    // Mid-piece: up to the end of the 4th piece counted from the one holding the start.
    expect(plan('bytes=2500-')).toEqual({
      kind: 'pieces',
      first: 2,
      last: 5,
      range: { start: 2500, end: 5999 },
    });
    // An explicit huge range (Safari asks for the whole file by its size) is bounded too.
    expect(plan('bytes=0-10004')).toEqual({
      kind: 'pieces',
      first: 0,
      last: 3,
      range: { start: 0, end: 3999 },
    });
  });

  it('clamps to the end of the file: the short last piece, an end past EOF', () => {
    expect(plan('bytes=9500-')).toEqual({
      kind: 'pieces',
      first: 9,
      last: 10,
      range: { start: 9500, end: 10_004 },
    });
    expect(plan('bytes=10000-99999')).toEqual({
      kind: 'pieces',
      first: 10,
      last: 10,
      range: { start: 10_000, end: 10_004 },
    });
    expect(plan('bytes=-99999')).toEqual({
      kind: 'pieces',
      first: 0,
      last: 3,
      range: { start: 0, end: 3999 },
    });
  });

  it('says 416 for a start at or beyond the end, and for an empty suffix', () => {
    expect(plan('bytes=10005-')).toEqual({ kind: 'unsatisfiable' });
    expect(plan('bytes=20000-20001')).toEqual({ kind: 'unsatisfiable' });
    expect(plan('bytes=-0')).toEqual({ kind: 'unsatisfiable' });
  });

  it('has nothing to say without a single byte range', () => {
    expect(plan(null)).toBeUndefined();
    expect(plan('bytes=0-1,5-6')).toBeUndefined();
    expect(plan('items=0-1')).toBeUndefined();
  });

  it('answers at least one piece, however small the bound', () => {
    expect(planPieces(LAYOUT, parseRangeHeader('bytes=1500-'), 1)).toEqual({
      kind: 'pieces',
      first: 1,
      last: 1,
      range: { start: 1500, end: 1999 },
    });
  });
});

describe('pieces as peers name them', () => {
  const record: ProgressiveRecord = {
    kind: 'progressive',
    url: 'https://cdn.example.com/films/movie.mp4',
    swarm: 'https://cdn.example.com/films/movie.mp4',
    playerUrl: 'https://cdn.example.com/films/movie.mp4?token=v1',
    size: LAYOUT.size,
    pieceBytes: P,
    contentType: 'video/mp4',
    updatedAt: 0,
  };

  it("names a piece by the file, its own range and the file's size, whatever range a player asked for", () => {
    expect(pieceRef(record, 10)).toEqual({
      id: 'https://cdn.example.com/films/movie.mp4#bytes=10000-10004/10005',
      swarm: record.swarm,
      url: record.playerUrl,
      range: { start: 10_000, end: 10_004 },
      durationSec: 0,
      sequence: 10,
    });
    const a = progressivePlan(record, parseRangeHeader('bytes=1200-1300'), BOUND);
    const b = progressivePlan(record, parseRangeHeader('bytes=1000-'), BOUND);
    expect(a !== 'unsatisfiable' && a?.parts[0]?.id).toBe(b !== 'unsatisfiable' && b?.parts[0]?.id);
  });

  it('plans an assembly with the file size and type, or a 416', () => {
    expect(progressivePlan(record, parseRangeHeader('bytes=0-1'), BOUND)).toMatchObject({
      range: { start: 0, end: 1 },
      totalSize: 10_005,
      contentType: 'video/mp4',
      progressiveUrl: record.url,
    });
    expect(progressivePlan(record, parseRangeHeader('bytes=10005-'), BOUND)).toBe('unsatisfiable');
    expect(progressivePlan(record, parseRangeHeader(null), BOUND)).toBeUndefined();
  });
});
