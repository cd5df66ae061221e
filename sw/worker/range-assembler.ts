// Answers a Range request from whole parts: a slice of one byte-range segment, a span over adjacent ones, or a
// progressive file's pieces. The 206 streams part by part; if the first part cannot be had, the network answers,
// and if a later one fails, the network sends the rest of the body.
import type { AssemblyPlan } from './assembly-plan';
import type { ByteRange } from './byte-range';
import { logWorkerError } from './errors';
import { NetworkRemainder } from './network-remainder';
import type { Part, PartFetcher } from './part-fetcher';
import type { RangedRef } from './segment-index';
import type { SegmentSources } from './segment-sources';
import { throwIfForced } from './test-hooks';

export interface AssemblyJob {
  request: Request;
  plan: AssemblyPlan;
  clientId: string;
  waitUntil(promise: Promise<unknown>): void;
}

export interface RangeAssemblerDeps {
  parts: Pick<PartFetcher, 'fetch'>;
  sources: SegmentSources;
  fetch(request: Request): Promise<Response>;
  /** The worker's origin: a cross-origin remainder is asked for in `cors` mode, so its bytes can be read. */
  origin: string;
  /** A progressive file changed size on the server: forget its record (the next request learns it again). */
  onResized(url: string, size: number): void;
}

export class RangeAssembler {
  constructor(private readonly deps: RangeAssemblerDeps) {}

  async serve(job: AssemblyJob): Promise<Response> {
    const { request, plan, clientId } = job;
    const { sources } = this.deps;
    const started = sources.now();
    const abort = new AbortController();
    const stop = () => abort.abort();
    if (request.signal.aborted) stop();
    request.signal.addEventListener('abort', stop);
    const progressive = plan.progressiveUrl;
    const pending = this.deps.parts.fetch(
      {
        request,
        clientId,
        signal: abort.signal,
        waitUntil: job.waitUntil,
        totalSize: plan.totalSize,
        onResized: progressive ? (size) => this.deps.onResized(progressive, size) : undefined,
      },
      plan.parts,
    );
    // A part that fails after the answer started hands the rest to the network; handled in the body below.
    for (const part of pending) part.catch(() => undefined);
    let first: Part;
    try {
      first = await (pending[0] as Promise<Part>);
    } catch (error) {
      stop();
      request.signal.removeEventListener('abort', stop);
      if (!request.signal.aborted)
        logWorkerError('route-failed', {
          url: request.url,
          reason: `assembling ${describe(plan)}: ${String(error)}`,
        });
      return this.deps.fetch(request);
    }
    const overheadMs = sources.now() - started;
    let next = 0;
    let remainder: NetworkRemainder | undefined;
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (remainder) return pullRemainder(remainder, controller);
        const ref = plan.parts[next] as RangedRef;
        let part: Part;
        try {
          if (next > 0) throwIfForced(request, 'body');
          part = next === 0 ? first : await (pending[next] as Promise<Part>);
        } catch (error) {
          // Too late for another answer: the rest of this one comes from the network (the player's abort
          // signal now cancels that request).
          request.signal.removeEventListener('abort', stop);
          stop();
          remainder = await this.resume(job, next, started, overheadMs, error).catch((failure) => {
            // The network failed too: the player sees a failed body, as with a dropped connection.
            controller.error(failure);
            return undefined;
          });
          if (remainder) await pullRemainder(remainder, controller);
          return;
        }
        next++;
        const slice = sliceOf(part.data, ref.range, plan.range);
        controller.enqueue(slice);
        sources.delivered(clientId, ref, part.source, slice.byteLength, part.readyAt - started, overheadMs);
        if (next === plan.parts.length) {
          request.signal.removeEventListener('abort', stop);
          controller.close();
        }
      },
      cancel: (reason) => {
        stop();
        remainder?.cancel(reason);
        request.signal.removeEventListener('abort', stop);
      },
    });
    const { start, end } = plan.range;
    return new Response(body, {
      status: 206,
      statusText: 'Partial Content',
      headers: {
        'Content-Type': plan.contentType ?? first.contentType,
        'Content-Length': String(end - start + 1),
        'Content-Range': `bytes ${start}-${end}/${plan.totalSize ?? '*'}`,
        'Accept-Ranges': 'bytes',
      },
    });
  }

  /** Opens the network remainder of an answer whose part `failed` could not be had (unless the player left). */
  private async resume(
    job: AssemblyJob,
    failed: number,
    started: number,
    overheadMs: number,
    cause: unknown,
  ): Promise<NetworkRemainder> {
    const { request, plan, clientId } = job;
    if (request.signal.aborted) throw cause;
    const { sources } = this.deps;
    const from = Math.max((plan.parts[failed] as RangedRef).range.start, plan.range.start);
    logWorkerError('route-failed', {
      url: request.url,
      reason: `assembling ${describe(plan)}: part ${failed + 1} failed (${String(cause)}), the rest came from the network`,
    });
    return NetworkRemainder.open({
      request,
      origin: this.deps.origin,
      fetch: this.deps.fetch,
      range: { start: from, end: plan.range.end },
      parts: plan.parts.slice(failed),
      delivered: (ref, bytes) =>
        sources.delivered(clientId, ref, 'http', bytes, sources.now() - started, overheadMs),
    });
  }
}

/** Moves the remainder's next chunk into the answer, or ends the answer with its error. */
async function pullRemainder(
  remainder: NetworkRemainder,
  controller: ReadableStreamDefaultController<Uint8Array>,
): Promise<void> {
  try {
    await remainder.pull(controller);
  } catch (error) {
    controller.error(error);
  }
}

/** The bytes of `wanted` that lie in a part placed at `placed` within the file (a view, no copy). */
function sliceOf(data: ArrayBuffer, placed: ByteRange, wanted: ByteRange): Uint8Array {
  const from = Math.max(placed.start, wanted.start) - placed.start;
  const to = Math.min(placed.end, wanted.end) - placed.start + 1;
  return new Uint8Array(data, from, to - from);
}

function describe(plan: AssemblyPlan): string {
  return `bytes ${plan.range.start}-${plan.range.end} from ${plan.parts.length} part(s)`;
}
