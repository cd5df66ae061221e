// Learns the size of a progressive file the first time a media element asks for it (a one-byte Range request),
// so every later Range request is answered from pieces. Files that cannot be pieced are remembered and passed.
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { mediaTypeFor } from '../../protocol/media-type';
import { logWorkerError } from './errors';
import type { ProgressiveRecord } from './index-records';
import { isShareable, readableRequest, readContentRange } from './network-request';
import type { RenditionPublisher } from './rendition-publisher';
import { canonicalUrl, swarmKey } from './segment-id';
import type { SegmentIndex } from './segment-index';
import type { SidecarLoader } from './sidecar-loader';

export interface ProgressiveProbeDeps {
  index: Pick<SegmentIndex, 'progressive' | 'markUnshareable'>;
  publisher: Pick<RenditionPublisher, 'publish'>;
  /** Fetches the hash sidecar the file's response names (`Peerlane-Hashes`): per-piece hashes. */
  sidecars: Pick<SidecarLoader, 'discover'>;
  fetch(request: Request): Promise<Response>;
  settings(): WorkerSettings;
  origin: string;
  now(): number;
}

export interface ProbeJob {
  request: Request;
  clientId: string;
  waitUntil(promise: Promise<unknown>): void;
}

export class ProgressiveProbe {
  /** One probe per file at a time: a media element often opens two requests at once. */
  private readonly probing = new Map<string, Promise<ProgressiveRecord | undefined>>();

  constructor(private readonly deps: ProgressiveProbeDeps) {}

  /** The file's record (sized, indexed, announced), or undefined when it cannot be shared in pieces. */
  learn(job: ProbeJob): Promise<ProgressiveRecord | undefined> {
    const url = canonicalUrl(job.request.url, this.deps.settings().volatileParams);
    const known = this.deps.index.progressive(url);
    if (known) return Promise.resolve(known);
    let probe = this.probing.get(url);
    if (!probe) {
      probe = this.probe(job, url).finally(() => this.probing.delete(url));
      this.probing.set(url, probe);
    }
    return probe;
  }

  private async probe(job: ProbeJob, url: string): Promise<ProgressiveRecord | undefined> {
    const { request } = job;
    let response: Response;
    try {
      // Not tied to the player's abort signal: one byte, and the size serves every later request.
      const first = readableRequest(
        request,
        this.deps.origin,
        { start: 0, end: 0 },
        new AbortController().signal,
      );
      response = await this.deps.fetch(first);
    } catch (error) {
      return this.unshareable(url, `the size probe failed: ${String(error)}`);
    }
    const announced = readContentRange(response);
    void response.body?.cancel().catch(() => undefined);
    if (response.status !== 206)
      return this.unshareable(url, `a Range request got status ${response.status}`);
    if (!announced || announced.total === null || announced.total <= 0) {
      return this.unshareable(url, 'no readable Content-Range with the file size');
    }
    if (!isShareable(request, response))
      return this.unshareable(url, 'the server marks it private or no-store');
    const record: ProgressiveRecord = {
      kind: 'progressive',
      url,
      swarm: await swarmKey(url),
      playerUrl: request.url,
      size: announced.total,
      pieceBytes: this.deps.settings().pieceBytes,
      contentType: response.headers.get('Content-Type') ?? mediaTypeFor(url),
      updatedAt: this.deps.now(),
    };
    this.deps.publisher.publish([record], {
      clientId: job.clientId,
      announce: 'now',
      waitUntil: job.waitUntil,
    });
    this.deps.sidecars.discover(response, response.url || request.url, [], job.waitUntil);
    return record;
  }

  private unshareable(url: string, reason: string): undefined {
    logWorkerError('progressive-unshareable', { url, reason });
    this.deps.index.markUnshareable(url);
    return undefined;
  }
}
