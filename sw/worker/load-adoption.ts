// What a page's player loaded before this worker controlled the page — a first visit, where the player does not
// wait for the worker — is read again, as if it had passed through: manifests first (so the segments the player
// asks for next are recognised), then segments from the HTTP cache (so this viewer holds and shares them, and
// its stats count them). Whatever the worker would not handle is skipped.
import type { ManifestJob } from './manifest-tracker';
import type { Route } from './request-classifier';
import type { SegmentJob } from './segment-router';

export interface LoadAdoptionDeps {
  /** The worker's decision for a request (screening by the site's settings included). */
  classify(request: Request): Route;
  /** Fetches and reads a manifest (manifest-tracker.ts), returning the response. */
  serveManifest(job: ManifestJob): Promise<Response>;
  /** Fetches a segment the player already has (HTTP cache first), caches and announces it (segment-router.ts). */
  adoptSegment(job: SegmentJob): Promise<void>;
}

const MANIFEST_ROUTES = new Set<Route['kind']>(['manifest', 'maybe-manifest']);

export async function adoptLoads(deps: LoadAdoptionDeps, clientId: string, urls: readonly string[]) {
  const requests = urls.flatMap((url) => {
    try {
      // The player's own XHR/fetch defaults (CORS, cookies to the same origin only); the HTTP cache's copy if any.
      return [new Request(url, { cache: 'force-cache' })];
    } catch {
      return [];
    }
  });
  const waitUntil = () => {};
  const [manifests, others] = partition(requests, (request) =>
    MANIFEST_ROUTES.has(deps.classify(request).kind),
  );
  for (const request of manifests) {
    const sniff = deps.classify(request).kind === 'maybe-manifest';
    const response = await deps.serveManifest({ request, clientId, sniff, waitUntil }).catch(() => undefined);
    await response?.body?.cancel();
  }
  // Classified after the manifests were read: only now are their segments known.
  for (const request of others) {
    const route = deps.classify(request);
    if (route.kind === 'segment')
      await deps.adoptSegment({ request, match: route.match, clientId, waitUntil });
  }
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
