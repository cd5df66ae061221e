// Makes a viewer a misbehaving uploader, for fault tests only: a patch of RTCDataChannel.send in its page that
// stalls, corrupts, shortens or mis-sizes the DATA frames it sends (layout taken from protocol/peers/peer-wire.ts).
import type { Page } from 'puppeteer';
import { encodeFrame } from '../../protocol/peers/peer-wire';

/** What the uploader does to the segment responses it sends, counted from its first response (index 0). */
export type UploadFault =
  /** Sends `responses` responses whole, then only the first chunk of the next one, then nothing at all. */
  | { kind: 'freeze'; responses: number }
  /** Flips one byte of every response's first chunk: right length, wrong bytes. */
  | { kind: 'corrupt' }
  /** Never sends a response's last chunk: a short response. */
  | { kind: 'short' }
  /** Declares a total size `cut` bytes smaller than the segment and sends exactly that much: a wrong length. */
  | { kind: 'wrong-length'; cut: number };

export interface FaultCounters {
  /** Distinct responses (request ids) the page started sending. */
  responses: number;
  /** Responses altered by the fault (corrupt/short/wrong-length) or frozen mid-way (freeze). */
  tampered: number;
  /** True once a `freeze` fault stopped sending. */
  frozen: boolean;
}

/** Where a DATA frame's fields sit, found by encoding one with the real encoder (so a layout change follows). */
interface DataLayout {
  prefix: number[];
  requestIdAt: number;
  offsetAt: number;
  totalSizeAt: number;
  headerBytes: number;
}

function dataLayout(): DataLayout {
  const fields = { requestId: 0x11223344, offset: 0x00abcdef, totalSize: 0x00fedcba };
  const frame = new Uint8Array(encodeFrame({ type: 'data', ...fields, bytes: new Uint8Array([0x5a]) }));
  const at = (value: number) => {
    const bytes = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
    const index = frame.findIndex((_, i) => bytes.every((byte, j) => frame[i + j] === byte));
    if (index < 0) throw new Error(`peer-faults: ${value.toString(16)} not found in an encoded DATA frame`);
    return index;
  };
  const requestIdAt = at(fields.requestId);
  return {
    prefix: [...frame.subarray(0, requestIdAt)],
    requestIdAt,
    offsetAt: at(fields.offset),
    totalSizeAt: at(fields.totalSize),
    headerBytes: frame.byteLength - 1,
  };
}

/** Installs the patch before the page's scripts run; the fault (null: none yet) applies from its first upload. */
export async function injectUploadFault(page: Page, fault: UploadFault | null): Promise<void> {
  await page.evaluateOnNewDocument(patchDataChannelSend, dataLayout(), fault);
}

/** Changes (or, with null, lifts) the fault of an open page that got injectUploadFault. */
export async function setUploadFault(page: Page, fault: UploadFault | null): Promise<void> {
  await page.evaluate((next) => {
    (window as unknown as { __uploadFault: UploadFault | null }).__uploadFault = next;
  }, fault);
}

export function faultCounters(page: Page): Promise<FaultCounters> {
  return page.evaluate(() => ({
    ...(window as unknown as { __uploadFaultCounters: FaultCounters }).__uploadFaultCounters,
  }));
}

/** Runs in the page (serialized by puppeteer: no closures). */
function patchDataChannelSend(layout: DataLayout, initial: UploadFault | null): void {
  const state = window as unknown as {
    __uploadFault: UploadFault | null;
    __uploadFaultCounters: FaultCounters;
  };
  state.__uploadFault = initial;
  const counters: FaultCounters = { responses: 0, tampered: 0, frozen: false };
  state.__uploadFaultCounters = counters;
  const seen = new WeakMap<RTCDataChannel, Set<number>>();
  const send = RTCDataChannel.prototype.send;

  const isDataFrame = (bytes: Uint8Array) =>
    bytes.byteLength > layout.headerBytes && layout.prefix.every((byte, i) => bytes[i] === byte);

  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
    const fault = state.__uploadFault;
    const view = data as unknown;
    const bytes =
      view instanceof ArrayBuffer
        ? new Uint8Array(view)
        : ArrayBuffer.isView(view)
          ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
          : null;
    if (counters.frozen) return; // A frozen peer sends nothing at all any more.
    if (!fault || !bytes || !isDataFrame(bytes)) return send.call(this, data);

    const fields = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const requestId = fields.getUint32(layout.requestIdAt);
    const offset = fields.getUint32(layout.offsetAt);
    const totalSize = fields.getUint32(layout.totalSizeAt);
    const chunk = bytes.byteLength - layout.headerBytes;
    const requests = seen.get(this) ?? new Set<number>();
    seen.set(this, requests);
    const index = requests.has(requestId) ? -1 : counters.responses++;
    requests.add(requestId);
    const first = index >= 0;

    switch (fault.kind) {
      case 'freeze':
        if (index === fault.responses) {
          counters.tampered++;
          counters.frozen = true;
        }
        return send.call(this, data);
      case 'corrupt': {
        if (!first) return send.call(this, data);
        const copy = bytes.slice();
        const at = layout.headerBytes + Math.min(100, chunk - 1);
        copy[at] = (copy[at] ?? 0) ^ 0xff;
        counters.tampered++;
        return send.call(this, copy.buffer as never);
      }
      case 'short':
        if (offset + chunk < totalSize) return send.call(this, data);
        counters.tampered++;
        return;
      case 'wrong-length': {
        const declared = totalSize - fault.cut;
        if (offset >= declared) return;
        const copy = bytes.slice(0, layout.headerBytes + Math.min(chunk, declared - offset));
        new DataView(copy.buffer).setUint32(layout.totalSizeAt, declared);
        if (first) counters.tampered++;
        return send.call(this, copy.buffer as never);
      }
    }
  };
}
