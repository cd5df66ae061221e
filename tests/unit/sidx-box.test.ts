// The segment index of a DASH SegmentBase file: media byte ranges and durations read from the sidx box itself.
import { describe, expect, it } from 'vitest';
import { parseSidx } from '../../sw/worker/sidx-box';
import { sidxBox } from './sidx-fixture';

function buffer(...parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined.buffer;
}

describe('parseSidx', () => {
  it('lists media ranges starting right after the box, at its place in the file (version 0)', () => {
    const box = sidxBox({
      timescale: 90000,
      references: [
        { size: 5000, duration: 180000 },
        { size: 7000, duration: 180000 },
        { size: 3000, duration: 90000 },
      ],
    });
    // The index range begins at byte 862 of the file; the box is 68 bytes, so media starts at 930.
    expect(parseSidx(buffer(box), 862)).toEqual([
      { range: { start: 930, end: 5929 }, durationSec: 2 },
      { range: { start: 5930, end: 12929 }, durationSec: 2 },
      { range: { start: 12930, end: 15929 }, durationSec: 1 },
    ]);
  });

  it('reads 64-bit fields (version 1) and first_offset', () => {
    const box = sidxBox({
      version: 1,
      timescale: 1000,
      firstOffset: 100,
      references: [{ size: 10, duration: 500 }],
    });
    const start = 1000 + box.byteLength + 100;
    expect(parseSidx(buffer(box), 1000)).toEqual([{ range: { start, end: start + 9 }, durationSec: 0.5 }]);
  });

  it('finds the sidx after other boxes in the range', () => {
    const styp = new Uint8Array([
      0,
      0,
      0,
      16,
      ...[...'styp'].map((c) => c.charCodeAt(0)),
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    const box = sidxBox({ timescale: 1, references: [{ size: 4, duration: 1 }] });
    expect(parseSidx(buffer(styp, box), 0)).toEqual([
      { range: { start: 16 + box.byteLength, end: 16 + box.byteLength + 3 }, durationSec: 1 },
    ]);
  });

  it('refuses what it cannot trust: no sidx, a truncated box, references to further sidx boxes, zero timescale', () => {
    const good = sidxBox({ timescale: 1, references: [{ size: 4, duration: 1 }] });
    expect(parseSidx(new ArrayBuffer(0), 0)).toBeUndefined();
    expect(parseSidx(buffer(new Uint8Array([0, 0, 0, 8, 109, 111, 111, 118])), 0)).toBeUndefined();
    expect(parseSidx(good.slice(0, good.byteLength - 4).buffer, 0)).toBeUndefined();
    expect(
      parseSidx(buffer(sidxBox({ timescale: 1, references: [{ size: 4, duration: 1, type: 1 }] })), 0),
    ).toBeUndefined();
    expect(
      parseSidx(buffer(sidxBox({ timescale: 0, references: [{ size: 4, duration: 1 }] })), 0),
    ).toBeUndefined();
    expect(parseSidx(buffer(new Uint8Array([0, 0, 0, 2, 115, 105, 100, 120])), 0)).toBeUndefined();
  });
});
