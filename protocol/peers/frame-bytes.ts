// Byte-level reading and writing for the peer wire codec (peer-wire.ts): big-endian integers and
// length-prefixed UTF-8, where every read is bounds-checked and a short or bad field raises a FrameFault.
import { isSha256Hex } from '../sha256-hex';

/** Why a frame was refused (the decoder's error value). */
export type WireError =
  | 'not-binary'
  | 'too-large'
  | 'truncated'
  | 'bad-version'
  | 'unknown-type'
  | 'bad-field'
  | 'bad-utf8'
  | 'trailing-bytes';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Thrown inside the decoder only; decodeFrame turns it into an error value. */
export class FrameFault {
  constructor(
    readonly error: WireError,
    readonly detail: string,
  ) {}
}

/** The name whose code is `code` in a table of byte codes, or undefined. */
export function codeToName<Name extends string>(codes: Record<Name, number>, code: number): Name | undefined {
  for (const name in codes) if (codes[name] === code) return name;
  return undefined;
}

export class FrameReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  private need(count: number, field: string): void {
    if (this.remaining < count) throw new FrameFault('truncated', `${field} needs ${count} bytes`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  /** A view (no copy) of the next `count` bytes. */
  take(count: number, field: string): Uint8Array {
    this.need(count, field);
    const slice = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }

  text(field: string, maxBytes: number): string {
    const length = this.u16(`${field} length`);
    if (length === 0 || length > maxBytes) throw new FrameFault('bad-field', `${field} length ${length}`);
    try {
      return utf8Decoder.decode(this.take(length, field));
    } catch (error) {
      if (error instanceof FrameFault) throw error;
      throw new FrameFault('bad-utf8', `${field} is not UTF-8`);
    }
  }

  /** A u8 code of `codes`, as its name; any other code is a bad field. */
  named<Name extends string>(codes: Record<Name, number>, field: string): Name {
    const code = this.u8(field);
    const name = codeToName(codes, code);
    if (name === undefined) throw new FrameFault('bad-field', `${field} code ${code}`);
    return name;
  }

  hex(count: number, field: string): string {
    let out = '';
    for (const byte of this.take(count, field)) out += byte.toString(16).padStart(2, '0');
    return out;
  }

  end(): void {
    if (this.remaining !== 0)
      throw new FrameFault('trailing-bytes', `${this.remaining} bytes after the frame`);
  }
}

export class FrameWriter {
  private offset = 0;
  private readonly bytes: Uint8Array<ArrayBuffer>;
  private readonly view: DataView;

  /**
   * A frame of exactly `size` bytes: finish() checks that every byte was written. `into`: written there instead of
   * a new buffer (a sender reusing one buffer for every chunk; a data channel copies what it sends).
   */
  constructor(size: number, into?: Uint8Array<ArrayBuffer>) {
    if (into && into.byteLength < size)
      throw new RangeError(`frame of ${size} bytes > buffer ${into.byteLength}`);
    this.bytes = into ? into.subarray(0, size) : new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, size);
  }

  u8(value: number): void {
    this.view.setUint8(this.offset++, value);
  }

  u16(value: number): void {
    this.view.setUint16(this.offset, value);
    this.offset += 2;
  }

  u32(value: number): void {
    this.view.setUint32(this.offset, value);
    this.offset += 4;
  }

  put(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.byteLength;
  }

  finish(): ArrayBuffer {
    return this.finishView().buffer;
  }

  /** The frame's bytes as a view (of the caller's buffer, when written `into` one). */
  finishView(): Uint8Array<ArrayBuffer> {
    if (this.offset !== this.bytes.byteLength)
      throw new RangeError(`frame size ${this.offset} ≠ ${this.bytes.byteLength}`);
    return this.bytes;
  }
}

/** `value` as UTF-8 for the writer; our own input out of 1..maxBytes throws (we never send what peers refuse). */
export function utf8Bytes(value: string, maxBytes: number, field: string): Uint8Array {
  const bytes = utf8Encoder.encode(value);
  if (bytes.byteLength === 0 || bytes.byteLength > maxBytes) {
    throw new RangeError(`${field} must be 1..${maxBytes} UTF-8 bytes, got ${bytes.byteLength}`);
  }
  return bytes;
}

/** The 32 raw bytes of a lowercase hex SHA-256; throws on anything else. */
export function sha256Bytes(hex: string): Uint8Array {
  if (!isSha256Hex(hex)) throw new RangeError(`sha256 must be 64 lowercase hex digits, got '${hex}'`);
  const out = new Uint8Array(32);
  for (let index = 0; index < 32; index++)
    out[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return out;
}
