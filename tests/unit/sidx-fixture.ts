// Builds ISO BMFF `sidx` boxes (ISO/IEC 14496-12 §8.16.3) for tests: what a DASH SegmentBase file's index range holds.

export interface SidxFixture {
  version?: 0 | 1;
  timescale: number;
  firstOffset?: number;
  /** Size in bytes and duration in timescale units of each media segment; `type: 1` points at another sidx. */
  references: Array<{ size: number; duration: number; type?: 0 | 1 }>;
}

export function sidxBox({ version = 0, timescale, firstOffset = 0, references }: SidxFixture): Uint8Array {
  const fixed = 12 + (version === 0 ? 8 : 16) + 4;
  const size = 8 + fixed + references.length * 12;
  const view = new DataView(new ArrayBuffer(size));
  view.setUint32(0, size);
  for (const [position, char] of [...'sidx'].entries()) view.setUint8(4 + position, char.charCodeAt(0));
  view.setUint8(8, version);
  view.setUint32(12, 1); // reference_ID
  view.setUint32(16, timescale);
  if (version === 0) {
    view.setUint32(20, 0);
    view.setUint32(24, firstOffset);
  } else {
    view.setBigUint64(20, 0n);
    view.setBigUint64(28, BigInt(firstOffset));
  }
  view.setUint16(8 + fixed - 2, references.length);
  references.forEach(({ size: bytes, duration, type = 0 }, index) => {
    const entry = 8 + fixed + index * 12;
    view.setUint32(entry, ((type << 31) | bytes) >>> 0);
    view.setUint32(entry + 4, duration);
    view.setUint32(entry + 8, 0x90000000); // starts_with_SAP, SAP type 1
  });
  return new Uint8Array(view.buffer);
}
