// Peer ↔ peer wire protocol: compact binary frames over a reliable, ordered PeerJS DataConnection ('raw').
// Encoder and decoder live together; the decoder bounds-checks every field and returns an error value, never throws.

import { isSha256Hex } from '../sha256-hex';
import {
  codeToName,
  FrameFault,
  FrameReader,
  FrameWriter,
  sha256Bytes,
  utf8Bytes,
  type WireError,
} from './frame-bytes';

/**
 * Bumped on any incompatible layout change or new frame type; a frame with another version is rejected, not guessed
 * at, and peers of different versions do not connect (the version is in every connection's metadata). 2: FETCHING.
 */
export const PEER_WIRE_VERSION = 2;
/** Segment bytes per DATA frame: 16 KiB is the size every WebRTC stack delivers in one message. */
export const MAX_CHUNK_BYTES = 16 * 1024;
/** Largest frame of any type (a DATA frame: header + one chunk). HAVE lists are split to fit. */
export const MAX_FRAME_BYTES = MAX_CHUNK_BYTES + 64;
/** Largest segment anyone may announce or send (a 6 s 4K segment at 25 Mb/s is ~19 MB). */
export const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
/** UTF-8 byte limits of identifiers (swarm keys are ≤ 256 characters, see ../signaling/swarm-messages.ts). */
export const MAX_SWARM_BYTES = 1024;
export const MAX_SEGMENT_ID_BYTES = 4096;
/** Largest ETA a FETCHING frame carries, ms (u16): a fetch announced as longer is announced as this long. */
export const MAX_FETCH_ETA_MS = 0xffff;

/** What one peer says it holds: enough to check the bytes it later sends. */
export interface HaveEntry {
  segmentId: string;
  size: number;
  /** Lowercase hex SHA-256 of the whole segment (32 raw bytes on the wire). */
  sha256: string;
}

export type RequestPriority = 'urgent' | 'prefetch';
export type MissReason = 'not-found' | 'busy' | 'rate-limited' | 'too-large' | 'upload-disabled';

export type PeerFrame =
  /** Segments the sender holds in `swarm`. `full`: replaces what the receiver knew for that swarm. */
  | { type: 'have'; swarm: string; full: boolean; segments: HaveEntry[] }
  | { type: 'request'; requestId: number; segmentId: string; priority: RequestPriority }
  /** One chunk of a requested segment; chunks arrive in order, `offset` is where `bytes` start. */
  | { type: 'data'; requestId: number; offset: number; totalSize: number; bytes: Uint8Array }
  | { type: 'cancel'; requestId: number }
  | { type: 'miss'; requestId: number; reason: MissReason }
  /** The sender is fetching `segmentId` from the network now and expects it in about `etaMs`: wait for its HAVE. */
  | { type: 'fetching'; segmentId: string; etaMs: number };

export type PeerFrameType = PeerFrame['type'];

export type { WireError };

export type DecodeResult = { ok: true; frame: PeerFrame } | { ok: false; error: WireError; detail: string };

// Byte codes live only in here: the rest of the code reads the names above.
const TYPE_CODES: Record<PeerFrameType, number> = {
  have: 1,
  request: 2,
  data: 3,
  cancel: 4,
  miss: 5,
  fetching: 6,
};
const PRIORITY_CODES: Record<RequestPriority, number> = { urgent: 0, prefetch: 1 };
const MISS_CODES: Record<MissReason, number> = {
  'not-found': 1,
  busy: 2,
  'rate-limited': 3,
  'too-large': 4,
  'upload-disabled': 5,
};
const HAVE_FLAG_FULL = 0b1;
const HEADER_BYTES = 2; // version u8, type u8
const DATA_HEADER_BYTES = HEADER_BYTES + 12; // requestId u32, offset u32, totalSize u32
const HAVE_HEADER_BYTES = HEADER_BYTES + 1 + 2 + 2; // flags u8, swarm length u16, count u16 (+ swarm bytes)
const HAVE_ENTRY_FIXED_BYTES = 2 + 4 + 32; // id length u16, size u32, sha256

const utf8Encoder = new TextEncoder();

function readSize(reader: FrameReader, field: string): number {
  const size = reader.u32(field);
  if (size === 0 || size > MAX_SEGMENT_BYTES) throw new FrameFault('bad-field', `${field} ${size}`);
  return size;
}

function readRequestId(reader: FrameReader): number {
  const requestId = reader.u32('requestId');
  if (requestId === 0) throw new FrameFault('bad-field', 'requestId 0');
  return requestId;
}

function readBody(type: PeerFrameType, reader: FrameReader): PeerFrame {
  switch (type) {
    case 'have': {
      const flags = reader.u8('flags');
      if ((flags & ~HAVE_FLAG_FULL) !== 0) throw new FrameFault('bad-field', `flags ${flags}`);
      const swarm = reader.text('swarm', MAX_SWARM_BYTES);
      const count = reader.u16('count');
      // Each entry takes at least HAVE_ENTRY_FIXED_BYTES + 1: reject a count the frame cannot hold before looping.
      if (count * (HAVE_ENTRY_FIXED_BYTES + 1) > reader.remaining)
        throw new FrameFault('truncated', `${count} entries`);
      const segments: HaveEntry[] = [];
      for (let index = 0; index < count; index++) {
        const segmentId = reader.text('segmentId', MAX_SEGMENT_ID_BYTES);
        segments.push({ segmentId, size: readSize(reader, 'size'), sha256: reader.hex(32, 'sha256') });
      }
      reader.end();
      return { type, swarm, full: (flags & HAVE_FLAG_FULL) !== 0, segments };
    }
    case 'request': {
      const requestId = readRequestId(reader);
      const priority = reader.named(PRIORITY_CODES, 'priority');
      const segmentId = reader.text('segmentId', MAX_SEGMENT_ID_BYTES);
      reader.end();
      return { type, requestId, segmentId, priority };
    }
    case 'data': {
      const requestId = readRequestId(reader);
      const offset = reader.u32('offset');
      const totalSize = readSize(reader, 'totalSize');
      const length = reader.remaining;
      if (length === 0 || length > MAX_CHUNK_BYTES)
        throw new FrameFault('bad-field', `chunk of ${length} bytes`);
      if (offset + length > totalSize)
        throw new FrameFault('bad-field', `chunk ends at ${offset + length} > ${totalSize}`);
      return { type, requestId, offset, totalSize, bytes: reader.take(length, 'bytes') };
    }
    case 'cancel': {
      const requestId = readRequestId(reader);
      reader.end();
      return { type, requestId };
    }
    case 'miss': {
      const requestId = readRequestId(reader);
      const reason = reader.named(MISS_CODES, 'reason');
      reader.end();
      return { type, requestId, reason };
    }
    case 'fetching': {
      const etaMs = reader.u16('etaMs');
      const segmentId = reader.text('segmentId', MAX_SEGMENT_ID_BYTES);
      reader.end();
      return { type, segmentId, etaMs };
    }
  }
}

/** Decodes one received message. Anything but a well-formed frame of this version is an error value. */
export function decodeFrame(message: unknown): DecodeResult {
  let bytes: Uint8Array;
  if (message instanceof ArrayBuffer) bytes = new Uint8Array(message);
  else if (ArrayBuffer.isView(message))
    bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  else return { ok: false, error: 'not-binary', detail: `got ${typeof message}` };
  if (bytes.byteLength > MAX_FRAME_BYTES)
    return { ok: false, error: 'too-large', detail: `${bytes.byteLength} bytes` };
  const reader = new FrameReader(bytes);
  try {
    const version = reader.u8('version');
    if (version !== PEER_WIRE_VERSION)
      return { ok: false, error: 'bad-version', detail: `version ${version}` };
    const typeCode = reader.u8('type');
    const type = codeToName(TYPE_CODES, typeCode);
    if (type === undefined) return { ok: false, error: 'unknown-type', detail: `type ${typeCode}` };
    return { ok: true, frame: readBody(type, reader) };
  } catch (error) {
    if (error instanceof FrameFault) return { ok: false, error: error.error, detail: error.detail };
    // Unreachable by construction; kept so that no input can make the decoder throw.
    return { ok: false, error: 'bad-field', detail: String(error) };
  }
}

/** A writer for a frame of `size` bytes with the common header (version, type) already in place. */
function frameWriter(size: number, type: PeerFrameType, into?: Uint8Array<ArrayBuffer>): FrameWriter {
  const writer = new FrameWriter(size, into);
  writer.u8(PEER_WIRE_VERSION);
  writer.u8(TYPE_CODES[type]);
  return writer;
}

/** True when a HAVE entry can be put on the wire (ids beyond the limit are simply not shared). */
export function isShareable(entry: HaveEntry): boolean {
  return (
    entry.size > 0 &&
    entry.size <= MAX_SEGMENT_BYTES &&
    isSha256Hex(entry.sha256) &&
    utf8Encoder.encode(entry.segmentId).byteLength <= MAX_SEGMENT_ID_BYTES
  );
}

/**
 * HAVE frames for `segments`, split so that each fits MAX_FRAME_BYTES. When `full`, only the first frame
 * carries the flag (it replaces the receiver's view; the rest add to it), and an empty list still sends one.
 * Entries that are not shareable are skipped.
 */
export function encodeHaveFrames(
  swarm: string,
  segments: readonly HaveEntry[],
  full: boolean,
): ArrayBuffer[] {
  const swarmBytes = utf8Bytes(swarm, MAX_SWARM_BYTES, 'swarm');
  const encoded = segments.filter(isShareable).map((entry) => ({
    id: utf8Encoder.encode(entry.segmentId),
    size: entry.size,
    sha: sha256Bytes(entry.sha256),
  }));
  const frames: ArrayBuffer[] = [];
  let start = 0;
  while (start < encoded.length || (frames.length === 0 && (full || encoded.length > 0))) {
    let size = HAVE_HEADER_BYTES + swarmBytes.byteLength;
    let end = start;
    while (end < encoded.length && end - start < 0xffff) {
      const entrySize = HAVE_ENTRY_FIXED_BYTES + (encoded[end]?.id.byteLength ?? 0);
      if (size + entrySize > MAX_FRAME_BYTES) break;
      size += entrySize;
      end++;
    }
    const writer = frameWriter(size, 'have');
    writer.u8(full && frames.length === 0 ? HAVE_FLAG_FULL : 0);
    writer.u16(swarmBytes.byteLength);
    writer.put(swarmBytes);
    writer.u16(end - start);
    for (const entry of encoded.slice(start, end)) {
      writer.u16(entry.id.byteLength);
      writer.put(entry.id);
      writer.u32(entry.size);
      writer.put(entry.sha);
    }
    frames.push(writer.finish());
    start = end;
  }
  return frames;
}

function checkRequestId(requestId: number): void {
  if (!Number.isInteger(requestId) || requestId < 1 || requestId > 0xffffffff)
    throw new RangeError(`requestId must be 1..2^32-1, got ${requestId}`);
}

/** Encodes one frame but HAVE (HAVE lists go through encodeHaveFrames). Throws on our own bad input. */
export function encodeFrame(frame: Exclude<PeerFrame, { type: 'have' }>): ArrayBuffer {
  if (frame.type === 'fetching') {
    const id = utf8Bytes(frame.segmentId, MAX_SEGMENT_ID_BYTES, 'segmentId');
    const writer = frameWriter(HEADER_BYTES + 2 + 2 + id.byteLength, 'fetching');
    writer.u16(Math.min(MAX_FETCH_ETA_MS, Math.max(0, Math.round(frame.etaMs))));
    writer.u16(id.byteLength);
    writer.put(id);
    return writer.finish();
  }
  checkRequestId(frame.requestId);
  switch (frame.type) {
    case 'request': {
      const id = utf8Bytes(frame.segmentId, MAX_SEGMENT_ID_BYTES, 'segmentId');
      const writer = frameWriter(HEADER_BYTES + 4 + 1 + 2 + id.byteLength, 'request');
      writer.u32(frame.requestId);
      writer.u8(PRIORITY_CODES[frame.priority]);
      writer.u16(id.byteLength);
      writer.put(id);
      return writer.finish();
    }
    case 'data':
      return encodeDataFrame(frame).buffer;
    case 'cancel': {
      const writer = frameWriter(HEADER_BYTES + 4, 'cancel');
      writer.u32(frame.requestId);
      return writer.finish();
    }
    case 'miss': {
      const writer = frameWriter(HEADER_BYTES + 4 + 1, 'miss');
      writer.u32(frame.requestId);
      writer.u8(MISS_CODES[frame.reason]);
      return writer.finish();
    }
  }
}

/** A DATA frame's bytes, in `into` (reused per upload: a data channel copies what it sends) or a new buffer. */
export function encodeDataFrame(
  frame: Extract<PeerFrame, { type: 'data' }>,
  into?: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  checkRequestId(frame.requestId);
  const length = frame.bytes.byteLength;
  if (length === 0 || length > MAX_CHUNK_BYTES || frame.offset + length > frame.totalSize) {
    throw new RangeError(`bad chunk: ${length} bytes at ${frame.offset} of ${frame.totalSize}`);
  }
  if (frame.totalSize > MAX_SEGMENT_BYTES)
    throw new RangeError(`segment of ${frame.totalSize} bytes is too large`);
  const writer = frameWriter(DATA_HEADER_BYTES + length, 'data', into);
  writer.u32(frame.requestId);
  writer.u32(frame.offset);
  writer.u32(frame.totalSize);
  writer.put(frame.bytes);
  return writer.finishView();
}
