// Serves a request for one recognised segment: local cache → peers (through a page agent, within a deadline,
// verified) → network. Whatever fails on the way, the player gets a real network response. No FetchEvent in here.
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { mediaTypeFor } from '../../protocol/media-type';
import { rangeLength } from './byte-range';
import type { WorkerLimits } from './config';
import { logWorkerError } from './errors';
import { isShareable, readableRequest } from './network-request';
import { createRangeResponse } from './range-response';
import { readBodyCapped } from './read-body';
import type { SegmentMatch } from './segment-index';
import type { SegmentSources } from './segment-sources';

export interface SegmentRouterDeps {
  sources: SegmentSources;
  fetch(request: Request): Promise<Response>;
  limits: Pick<WorkerLimits, 'maxSegmentBytes'>;
  /** The worker's origin: cross-origin `no-cors` requests are re-made in `cors` mode so bodies can be read. */
  origin: string;
  /** DASH index segments are read whole before the player gets them (it asks for what they list next). */
  isIndexSegment(id: string): boolean;
}

/** One player request the classifier matched to a segment. */
export interface SegmentJob {
  request: Request;
  match: SegmentMatch;
  /** The page that asked (FetchEvent.clientId): its agent is asked first and told what was delivered. */
  clientId: string;
  /** Keeps the worker alive for work that outlives the response (FetchEvent.waitUntil). */
  waitUntil(promise: Promise<unknown>): void;
}

export class SegmentRouter {
  constructor(private readonly deps: SegmentRouterDeps) {}

  async serve(job: SegmentJob): Promise<Response> {
    const started = this.deps.sources.now();
    try {
      const local = await this.fromCache(job, started);
      if (local) return local;
      if (job.match.exact) {
        const shared = await this.fromPeers(job, started);
        if (shared) return shared;
      }
    } catch (error) {
      logWorkerError('route-failed', { url: job.request.url, reason: String(error) });
    }
    return this.fromNetwork(job, started);
  }

  private async fromCache(job: SegmentJob, started: number): Promise<Response | undefined> {
    const cached = await this.deps.sources.cached(job.match.ref, job.clientId);
    if (!cached) return undefined;
    const response = this.respond(job, cached.data, cached.contentType);
    // 416 means the request reaches outside what we hold: the network knows better.
    if (response.status === 416) return undefined;
    this.delivered(job, 'cache', response, started);
    return response;
  }

  private async fromPeers(job: SegmentJob, started: number): Promise<Response | undefined> {
    const { ref } = job.match;
    const shared = await this.deps.sources.fromPeers(ref, job.clientId, job.request.signal);
    if (!shared) return undefined;
    const contentType = mediaTypeFor(ref.url);
    const response = this.respond(job, shared.data, contentType);
    if (response.status === 416) return undefined;
    job.waitUntil(this.deps.sources.keep(ref, shared.data, contentType, 'p2p', shared.sha256));
    this.delivered(job, 'p2p', response, started);
    return response;
  }

  /** The player's own request goes out (its mode, headers, abort signal); its response is returned untouched. */
  private async fromNetwork(job: SegmentJob, started: number): Promise<Response> {
    const { request, match } = job;
    const { sources } = this.deps;
    const overheadMs = sources.now() - started;
    const outgoing = readableRequest(request, this.deps.origin);
    let response: Response;
    try {
      response = await this.deps.fetch(outgoing);
    } catch (error) {
      if (outgoing === request) throw error; // a real network failure: the player sees what it would without us
      logWorkerError('cors-refetch-failed', { url: request.url, origin: this.deps.origin });
      return this.deps.fetch(request);
    }
    const keepable =
      isShareable(request, response) && (match.ref.range ? response.status === 206 : response.status === 200);
    if (!match.exact || !keepable) {
      const bytes = Number(response.headers.get('Content-Length') ?? 0) || 0;
      if (response.ok)
        sources.delivered(job.clientId, match.ref, 'http', bytes, sources.now() - started, overheadMs);
      return response;
    }
    const kept = this.keepFromNetwork(job, response.clone(), started, overheadMs);
    // An index segment is read before the player gets it, so the segments it lists are known when asked for.
    if (this.deps.isIndexSegment(match.ref.id)) await kept;
    else job.waitUntil(kept);
    return response;
  }

  /** Reads the network copy to the end, then caches and announces it — after the player already has its bytes. */
  private async keepFromNetwork(job: SegmentJob, copy: Response, started: number, overheadMs: number) {
    const { ref } = job.match;
    const { sources } = this.deps;
    let body: ArrayBuffer | 'too-large';
    try {
      body = await readBodyCapped(copy, this.deps.limits.maxSegmentBytes);
    } catch (error) {
      logWorkerError('body-unreadable', { url: ref.url, reason: String(error) });
      return;
    }
    if (body === 'too-large') return;
    sources.delivered(job.clientId, ref, 'http', body.byteLength, sources.now() - started, overheadMs);
    if (!isComplete(copy, ref, body)) {
      logWorkerError('body-unreadable', {
        url: ref.url,
        reason: `${body.byteLength} bytes, not what was announced`,
      });
      return;
    }
    sources.obtained(ref, body, job.clientId);
    await sources.keep(ref, body, copy.headers.get('Content-Type') ?? mediaTypeFor(ref.url), 'http');
  }

  private respond(job: SegmentJob, data: ArrayBuffer, contentType: string): Response {
    const { range } = job.match.ref;
    const placement = range
      ? { offset: range.start, totalSize: null }
      : { offset: 0, totalSize: data.byteLength };
    return createRangeResponse(data, contentType, job.request.headers.get('Range'), placement);
  }

  private delivered(job: SegmentJob, source: 'cache' | 'p2p', response: Response, started: number): void {
    const { sources } = this.deps;
    const bytes = Number(response.headers.get('Content-Length') ?? 0);
    const ms = sources.now() - started;
    sources.delivered(job.clientId, job.match.ref, source, bytes, ms, ms);
  }
}

/** The body is the segment: the announced length (unless re-encoded in transit) and, for a range, the range. */
function isComplete(response: Response, ref: SegmentRef, body: ArrayBuffer): boolean {
  if (body.byteLength === 0) return false;
  const length = response.headers.get('Content-Length');
  if (length !== null && !response.headers.has('Content-Encoding') && Number(length) !== body.byteLength) {
    return false;
  }
  if (!ref.range) return true;
  if (body.byteLength !== rangeLength(ref.range)) return false;
  // Content-Range is not CORS-safelisted: cross-origin it is often hidden; when visible it must agree.
  const contentRange = response.headers.get('Content-Range');
  return contentRange === null || contentRange.startsWith(`bytes ${ref.range.start}-${ref.range.end}/`);
}
