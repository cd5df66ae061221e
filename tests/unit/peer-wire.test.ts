// The peer wire codec: round trips, limits, and that no input (truncated, mutated, random) makes the decoder throw.
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  encodeHaveFrames,
  type HaveEntry,
  MAX_CHUNK_BYTES,
  MAX_FETCH_ETA_MS,
  MAX_FRAME_BYTES,
  MAX_SEGMENT_BYTES,
  PEER_WIRE_VERSION,
  type PeerFrame,
} from '../../protocol/peers/peer-wire';
import { sha256Hex } from '../../protocol/sha256-hex';
import { seededRandom } from '../support/seeded-random';

const SHA = 'ab'.repeat(32);

function entry(index: number, idLength = 40): HaveEntry {
  return { segmentId: `seg-${index}-`.padEnd(idLength, 'x'), size: 1000 + index, sha256: SHA };
}

function decodeOk(buffer: ArrayBuffer): PeerFrame {
  const result = decodeFrame(buffer);
  if (!result.ok) throw new Error(`decode failed: ${result.error} ${result.detail}`);
  return result.frame;
}

const validFrames: ArrayBuffer[] = [
  ...encodeHaveFrames('stream/720p', [entry(1), entry(2)], true),
  encodeFrame({ type: 'request', requestId: 7, segmentId: 'https://cdn/seg-1.ts#0-999', priority: 'urgent' }),
  encodeFrame({ type: 'data', requestId: 7, offset: 16, totalSize: 64, bytes: new Uint8Array(48).fill(3) }),
  encodeFrame({ type: 'cancel', requestId: 7 }),
  encodeFrame({ type: 'miss', requestId: 7, reason: 'busy' }),
  encodeFrame({ type: 'fetching', segmentId: 'https://cdn/live/seg-9.ts', etaMs: 850 }),
];

describe('peer wire codec', () => {
  it('round-trips every frame type with readable fields', () => {
    const frames = validFrames.map(decodeOk);
    expect(frames).toEqual([
      { type: 'have', swarm: 'stream/720p', full: true, segments: [entry(1), entry(2)] },
      { type: 'request', requestId: 7, segmentId: 'https://cdn/seg-1.ts#0-999', priority: 'urgent' },
      { type: 'data', requestId: 7, offset: 16, totalSize: 64, bytes: new Uint8Array(48).fill(3) },
      { type: 'cancel', requestId: 7 },
      { type: 'miss', requestId: 7, reason: 'busy' },
      { type: 'fetching', segmentId: 'https://cdn/live/seg-9.ts', etaMs: 850 },
    ]);
  });

  it('carries a FETCHING ETA as whole milliseconds within 0..MAX_FETCH_ETA_MS', () => {
    const eta = (etaMs: number) => {
      const frame = decodeOk(encodeFrame({ type: 'fetching', segmentId: 's', etaMs }));
      return frame.type === 'fetching' ? frame.etaMs : undefined;
    };
    expect([eta(0), eta(12.6), eta(-5), eta(MAX_FETCH_ETA_MS + 1), eta(Number.POSITIVE_INFINITY)]).toEqual([
      0,
      13,
      0,
      MAX_FETCH_ETA_MS,
      MAX_FETCH_ETA_MS,
    ]);
    expect(() => encodeFrame({ type: 'fetching', segmentId: '', etaMs: 1 })).toThrow(RangeError);
    const empty = new Uint8Array([PEER_WIRE_VERSION, 6, 0, 1, 0, 0]);
    expect(decodeFrame(empty)).toMatchObject({ ok: false, error: 'bad-field' });
  });

  it('keeps non-ASCII ids intact and encodes a real digest', async () => {
    const sha256 = await sha256Hex(new TextEncoder().encode('segment'));
    const [frame] = encodeHaveFrames('flux/é', [{ segmentId: 'vidéo/ß-1.m4s', size: 7, sha256 }], false);
    expect(decodeOk(frame as ArrayBuffer)).toEqual({
      type: 'have',
      swarm: 'flux/é',
      full: false,
      segments: [{ segmentId: 'vidéo/ß-1.m4s', size: 7, sha256 }],
    });
  });

  it('splits a long HAVE list into frames within MAX_FRAME_BYTES, flagging only the first as full', () => {
    const entries = Array.from({ length: 2000 }, (_, index) => entry(index, 120));
    const frames = encodeHaveFrames('s', entries, true);
    expect(frames.length).toBeGreaterThan(10);
    const decoded = frames.map(decodeOk);
    for (const buffer of frames) expect(buffer.byteLength).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(decoded.map((frame) => frame.type === 'have' && frame.full)).toEqual(
      frames.map((_, index) => index === 0),
    );
    expect(decoded.flatMap((frame) => (frame.type === 'have' ? frame.segments : []))).toEqual(entries);
  });

  it('sends one empty full HAVE (clears the receiver) and nothing for an empty update', () => {
    expect(encodeHaveFrames('s', [], true).map(decodeOk)).toEqual([
      { type: 'have', swarm: 's', full: true, segments: [] },
    ]);
    expect(encodeHaveFrames('s', [], false)).toEqual([]);
  });

  it('leaves out entries that cannot be shared instead of failing the list', () => {
    const frames = encodeHaveFrames(
      's',
      [entry(1), { ...entry(2), sha256: 'nothex' }, { ...entry(3), size: 0 }],
      false,
    );
    expect(frames.map(decodeOk)).toEqual([{ type: 'have', swarm: 's', full: false, segments: [entry(1)] }]);
  });

  it('refuses to encode chunks over the limit, past the total, or with request id 0', () => {
    const big = new Uint8Array(MAX_CHUNK_BYTES + 1);
    expect(() =>
      encodeFrame({ type: 'data', requestId: 1, offset: 0, totalSize: big.length, bytes: big }),
    ).toThrow(RangeError);
    const chunk = new Uint8Array(10);
    expect(() => encodeFrame({ type: 'data', requestId: 1, offset: 5, totalSize: 12, bytes: chunk })).toThrow(
      RangeError,
    );
    expect(() => encodeFrame({ type: 'cancel', requestId: 0 })).toThrow(RangeError);
  });

  it('rejects frames that are not binary, too large, of another version or of an unknown type', () => {
    expect(decodeFrame('hello')).toMatchObject({ ok: false, error: 'not-binary' });
    expect(decodeFrame({ byteLength: 4 })).toMatchObject({ ok: false, error: 'not-binary' });
    expect(decodeFrame(new ArrayBuffer(MAX_FRAME_BYTES + 1))).toMatchObject({
      ok: false,
      error: 'too-large',
    });
    expect(decodeFrame(new Uint8Array([PEER_WIRE_VERSION + 1, 1]).buffer)).toMatchObject({
      error: 'bad-version',
    });
    expect(decodeFrame(new Uint8Array([PEER_WIRE_VERSION, 99]).buffer)).toMatchObject({
      error: 'unknown-type',
    });
    expect(decodeFrame(new ArrayBuffer(0))).toMatchObject({ ok: false, error: 'truncated' });
  });

  it('rejects a DATA frame whose chunk runs past the announced total, or that claims an absurd total', () => {
    const frame = new Uint8Array(
      encodeFrame({ type: 'data', requestId: 1, offset: 0, totalSize: 4, bytes: new Uint8Array(4) }),
    );
    const view = new DataView(frame.buffer);
    view.setUint32(6, 1); // offset 1: the 4-byte chunk now ends at 5 > 4
    expect(decodeFrame(frame)).toMatchObject({ ok: false, error: 'bad-field' });
    view.setUint32(6, 0);
    view.setUint32(10, MAX_SEGMENT_BYTES + 1);
    expect(decodeFrame(frame)).toMatchObject({ ok: false, error: 'bad-field' });
  });

  it('rejects trailing bytes, unknown flags and invalid UTF-8', () => {
    const cancel = new Uint8Array(encodeFrame({ type: 'cancel', requestId: 3 }));
    expect(decodeFrame(new Uint8Array([...cancel, 0]))).toMatchObject({ error: 'trailing-bytes' });
    const have = new Uint8Array(encodeHaveFrames('ab', [], true)[0] as ArrayBuffer);
    have[2] = 0b10;
    expect(decodeFrame(have)).toMatchObject({ error: 'bad-field' });
    have[2] = 1;
    have[5] = 0xff; // first swarm byte: not valid UTF-8
    expect(decodeFrame(have)).toMatchObject({ error: 'bad-utf8' });
  });

  it('decodes every truncation of every valid frame to an error, never a throw', () => {
    for (const buffer of validFrames) {
      const bytes = new Uint8Array(buffer);
      for (let length = 0; length < bytes.length; length++) {
        const result = decodeFrame(bytes.slice(0, length));
        // A DATA frame cut inside its payload is still a valid (shorter) chunk; everything else must fail.
        if (bytes[1] !== 3 || length < 15)
          expect(result.ok, `length ${length} of type ${bytes[1]}`).toBe(false);
      }
    }
  });

  it('survives 20,000 random and mutated frames without throwing', () => {
    const next = seededRandom(0x5eed);
    let accepted = 0;
    for (let round = 0; round < 20_000; round++) {
      let bytes: Uint8Array;
      if (round % 2 === 0) {
        // Mutations of valid frames reach deep into the decoder (lengths, counts, codes).
        const base = validFrames[round % validFrames.length] as ArrayBuffer;
        bytes = new Uint8Array(base.slice(0));
        const flips = 1 + Math.floor(next() * 4);
        for (let flip = 0; flip < flips; flip++)
          bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      } else {
        bytes = new Uint8Array(Math.floor(next() * 200));
        for (let index = 0; index < bytes.length; index++) bytes[index] = Math.floor(next() * 256);
        if (bytes.length > 1 && next() < 0.8) {
          bytes[0] = PEER_WIRE_VERSION;
          bytes[1] = 1 + Math.floor(next() * 6);
        }
      }
      const result = decodeFrame(bytes.buffer);
      if (result.ok) accepted++;
      else expect(result.detail.length).toBeGreaterThan(0);
    }
    // Some mutations stay valid (a changed payload byte); most must be rejected.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(15_000);
  });
});
