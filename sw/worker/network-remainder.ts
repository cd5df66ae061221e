// The rest of an assembled 206 from the network, when one of its parts fails after the answer started: headers are
// sent, so the only way to keep the promise "every failure ends in a network response" is to finish the body with
// the network's bytes. A broken body is a dropped connection to Chromium (it asks again) but a failed load to
// Firefox ("A ServiceWorker intercepted the request and encountered an unexpected error").
import type { ByteRange } from './byte-range';
import { readableRequest, readContentRange } from './network-request';
import type { RangedRef } from './segment-index';

export interface RemainderJob {
  /** The player's request (its URL, credentials and abort signal). */
  request: Request;
  origin: string;
  fetch(request: Request): Promise<Response>;
  /** The bytes still owed: from the failed part's first byte in the answer to the answer's last. */
  range: ByteRange;
  /** The answer's parts from the failed one on, in byte order: each is reported once its bytes are passed on. */
  parts: RangedRef[];
  /** Called per part with the number of its bytes the player got from the remainder. */
  delivered(ref: RangedRef, bytes: number): void;
}

export class NetworkRemainder {
  /** File position of the next byte owed. */
  private position: number;
  private partIndex = 0;
  private partBytes = 0;

  private constructor(
    private readonly job: RemainderJob,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {
    this.position = job.range.start;
  }

  /** Asks the network for the owed bytes; rejects unless it answers 206 from exactly the first of them. */
  static async open(job: RemainderJob): Promise<NetworkRemainder> {
    const { request, origin, range } = job;
    const response = await job.fetch(readableRequest(request, origin, range));
    const announced = readContentRange(response);
    // Content-Range may be hidden cross-origin; when visible it must start where the answer broke off.
    const problem =
      response.status !== 206
        ? `status ${response.status}`
        : announced && announced.start !== range.start
          ? `Content-Range starts at ${announced.start}, not ${range.start}`
          : response.body
            ? undefined
            : 'no body';
    if (problem || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`network remainder ${range.start}-${range.end}: ${problem}`);
    }
    return new NetworkRemainder(job, response.body.getReader());
  }

  /** Moves the next chunk into the answer; closes it once every owed byte is in. */
  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const { done, value } = await this.reader.read();
    const left = this.job.range.end - this.position + 1;
    if (done) {
      if (left > 0) throw new Error(`network remainder ended ${left} bytes short`);
      this.finish();
      controller.close();
      return;
    }
    const chunk = value.byteLength > left ? value.subarray(0, left) : value;
    controller.enqueue(chunk);
    this.count(chunk.byteLength);
    if (this.position > this.job.range.end) {
      this.finish();
      controller.close();
    }
  }

  cancel(reason?: unknown): void {
    void this.reader.cancel(reason).catch(() => undefined);
  }

  /** Attributes passed bytes to the parts they belong to, reporting each part once it is complete. */
  private count(bytes: number): void {
    this.position += bytes;
    this.partBytes += bytes;
    for (let ref = this.job.parts[this.partIndex]; ref && this.position > ref.range.end; ) {
      const end = Math.min(ref.range.end, this.job.range.end);
      const inPart = end - Math.max(ref.range.start, this.job.range.start) + 1;
      this.job.delivered(ref, inPart);
      this.partBytes -= inPart;
      ref = this.job.parts[++this.partIndex];
    }
  }

  private finish(): void {
    const ref = this.job.parts[this.partIndex];
    if (ref && this.partBytes > 0) this.job.delivered(ref, this.partBytes);
    this.partBytes = 0;
    this.partIndex = this.job.parts.length;
    void this.reader.cancel().catch(() => undefined);
  }
}
