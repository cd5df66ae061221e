// Gets the whole segments (or progressive pieces) an assembled answer is cut from. Each part comes from exactly
// one source — cache, a peer, or the network, where adjacent missing parts share one Range request — and is
// complete and checked before anyone gets it or keeps it.
import type { DeliverySource } from '../../protocol/bridge/bridge-messages';
import { mediaTypeFor } from '../../protocol/media-type';
import { rangeLength } from './byte-range';
import type { WorkerLimits } from './config';
import { logWorkerError } from './errors';
import { isShareable, readableRequest, readContentRange } from './network-request';
import type { RangedRef } from './segment-index';
import type { PeerBytes, SegmentSources } from './segment-sources';

/** One part's whole bytes, and where they came from. */
export interface Part {
  data: ArrayBuffer;
  source: DeliverySource;
  contentType: string;
  /** `now()` when the bytes were all there. */
  readyAt: number;
}

export interface PartJob {
  /** The player's request: its URL (tokens included) and credentials are used for network parts. */
  request: Request;
  clientId: string;
  /** Aborts every network and peer transfer still running (the player went away or seeked). */
  signal: AbortSignal;
  waitUntil(promise: Promise<unknown>): void;
  /** The file's size when known: a network answer for another size means the file changed. */
  totalSize: number | null;
  /** Called when the network reports a different size than `totalSize`. */
  onResized?(size: number): void;
}

export interface PartFetcherDeps {
  sources: SegmentSources;
  fetch(request: Request): Promise<Response>;
  origin: string;
  limits: Pick<WorkerLimits, 'maxSegmentBytes' | 'assemblyPeerWindow'>;
}

/** The answer ended before this part: a server capping range sizes. The part is asked for alone. */
class ShortAnswer extends Error {}

interface Settler {
  resolve(part: Part): void;
  reject(error: unknown): void;
}

export class PartFetcher {
  constructor(private readonly deps: PartFetcherDeps) {}

  /** One promise per part, in order; each settles as soon as that part is known (parts stream in order). */
  fetch(job: PartJob, parts: RangedRef[]): Array<Promise<Part>> {
    return settledBy(parts.length, (settlers) => this.gather(job, parts, settlers));
  }

  private async gather(job: PartJob, parts: RangedRef[], settlers: Settler[]): Promise<void> {
    const { sources } = this.deps;
    const tooBig = parts.find((ref) => rangeLength(ref.range) > this.deps.limits.maxSegmentBytes);
    if (tooBig) throw new Error(`part ${tooBig.id} is over the segment size limit`);
    const cached = await Promise.all(parts.map((ref) => sources.cached(ref, job.clientId)));
    const missing: number[] = [];
    cached.forEach((hit, index) => {
      if (hit)
        settlers[index]?.resolve({
          data: hit.data,
          source: 'cache',
          contentType: hit.contentType,
          readyAt: sources.now(),
        });
      else missing.push(index);
    });
    // Peers are asked in play order, a few parts at a time (a part far into the answer is not needed yet, and
    // one peer serves only a couple at once). What they lack goes to the network at once, adjacent misses in
    // one request when their answers are already in: the earliest part never waits for a later one.
    const { assemblyPeerWindow } = this.deps.limits;
    const answers: Array<{ bytes: Promise<PeerBytes | undefined>; known: boolean }> = [];
    const ask = (position: number) => {
      const index = missing[position];
      if (index === undefined || answers[position]) return;
      const answer = { known: false, bytes: Promise.resolve<PeerBytes | undefined>(undefined) };
      answer.bytes = sources
        .fromPeers(parts[index] as RangedRef, job.clientId, job.signal)
        .catch(() => undefined)
        .finally(() => {
          answer.known = true;
        });
      answers[position] = answer;
    };
    for (let position = 0; position < assemblyPeerWindow; position++) ask(position);
    let run: number[] = [];
    const flush = () => {
      if (run.length > 0)
        this.network(
          job,
          run.map((index) => parts[index] as RangedRef),
          run.map((index) => settlers[index] as Settler),
        );
      run = [];
    };
    for (const [position, index] of missing.entries()) {
      const shared = await answers[position]?.bytes;
      // The answer was given up (the player went away, or the first part failed): start nothing more.
      job.signal.throwIfAborted();
      ask(position + assemblyPeerWindow);
      const ref = parts[index] as RangedRef;
      if (shared) {
        flush();
        settlers[index]?.resolve({
          data: shared.data,
          source: 'p2p',
          contentType: mediaTypeFor(ref.url),
          readyAt: sources.now(),
        });
        job.waitUntil(sources.keep(ref, shared.data, mediaTypeFor(ref.url), 'p2p', shared.sha256));
        continue;
      }
      if (run.length > 0 && run[run.length - 1] !== index - 1) flush();
      run.push(index);
      if (!answers[position + 1]?.known) flush();
    }
    flush();
  }

  /** Fetches adjacent parts with one Range request; a part a short answer left out is asked for alone, once. */
  private network(job: PartJob, parts: RangedRef[], settlers: Settler[]): void {
    const results = this.fetchRun(job, parts);
    results.forEach((result, index) => {
      const settler = settlers[index] as Settler;
      const ref = parts[index] as RangedRef;
      result.then(settler.resolve, (error) => {
        if (parts.length > 1 && error instanceof ShortAnswer && !job.signal.aborted) {
          this.fetchRun(job, [ref])[0]?.then(settler.resolve, settler.reject);
        } else settler.reject(error);
      });
    });
  }

  private fetchRun(job: PartJob, parts: RangedRef[]): Array<Promise<Part>> {
    return settledBy(parts.length, (settlers) => this.readRun(job, parts, settlers));
  }

  /** Cuts one network answer into parts, settling each as its last byte arrives. */
  private async readRun(job: PartJob, parts: RangedRef[], settlers: Settler[]): Promise<void> {
    const { sources } = this.deps;
    const first = parts[0] as RangedRef;
    const range = { start: first.range.start, end: (parts[parts.length - 1] as RangedRef).range.end };
    const response = await this.deps.fetch(readableRequest(job.request, this.deps.origin, range, job.signal));
    const announced = readContentRange(response);
    const problem =
      response.status !== 206
        ? `status ${response.status}`
        : announced && announced.start !== range.start
          ? `Content-Range ${announced.start}-${announced.end}, asked ${range.start}-${range.end}`
          : undefined;
    if (announced?.total != null && job.totalSize !== null && announced.total !== job.totalSize) {
      job.onResized?.(announced.total);
      await response.body?.cancel();
      throw new Error(`file is now ${announced.total} bytes, was ${job.totalSize}`);
    }
    if (problem || !response.body) {
      await response.body?.cancel();
      throw new Error(problem ?? 'no body');
    }
    const keep = isShareable(job.request, response);
    const contentType = response.headers.get('Content-Type') ?? mediaTypeFor(first.url);
    const reader = response.body.getReader();
    let index = 0;
    let buffer = new Uint8Array(rangeLength(first.range));
    let filled = 0;
    try {
      while (index < parts.length) {
        const { done, value } = await reader.read();
        if (done) throw new ShortAnswer(`answer ended inside part ${index + 1} of ${parts.length}`);
        let offset = 0;
        while (offset < value.byteLength && index < parts.length) {
          const taken = Math.min(value.byteLength - offset, buffer.byteLength - filled);
          buffer.set(value.subarray(offset, offset + taken), filled);
          filled += taken;
          offset += taken;
          if (filled < buffer.byteLength) continue;
          const ref = parts[index] as RangedRef;
          const data = buffer.buffer as ArrayBuffer;
          sources.obtained(ref, data, job.clientId);
          settlers[index]?.resolve({ data, source: 'http', contentType, readyAt: sources.now() });
          if (keep) job.waitUntil(sources.keep(ref, data, contentType, 'http'));
          index++;
          const next = parts[index];
          buffer = new Uint8Array(next ? rangeLength(next.range) : 0);
          filled = 0;
        }
      }
    } catch (error) {
      // An abort is the player seeking or leaving, a short answer a server's range cap: neither is a fault.
      if (!job.signal.aborted && !(error instanceof ShortAnswer)) {
        logWorkerError('body-unreadable', { url: first.url, reason: String(error) });
      }
      for (const settler of settlers.slice(index)) settler.reject(error);
    } finally {
      // Whatever the server sent past the last part is not needed.
      void reader.cancel().catch(() => undefined);
    }
  }
}

/** `count` promises that `work` settles through their settlers; whatever is left when it throws is rejected. */
function settledBy(count: number, work: (settlers: Settler[]) => Promise<void>): Array<Promise<Part>> {
  const settlers: Settler[] = [];
  const promises = Array.from(
    { length: count },
    () =>
      new Promise<Part>((resolve, reject) => {
        settlers.push({ resolve, reject });
      }),
  );
  work(settlers).catch((error) => {
    for (const settler of settlers) settler.reject(error);
  });
  return promises;
}
