// Manifests a page's player loaded before this worker controlled the page — a first visit, where the player does
// not wait for the worker — are read now, as if they had passed through: the segments the player asks for from
// then on are recognised and shared. The copies come from the HTTP cache when it still holds them.
import type { ManifestJob } from './manifest-tracker';
import type { Route } from './request-classifier';

export interface ManifestAdoptionDeps {
  /** The worker's decision for a request (screening by the site's settings included). */
  classify(request: Request): Route;
  /** Fetches and reads a manifest (manifest-tracker.ts), returning the response. */
  serve(job: ManifestJob): Promise<Response>;
}

/** Reads `urls` one after another (a master before its renditions), each only if the worker would handle it. */
export async function adoptManifests(
  deps: ManifestAdoptionDeps,
  clientId: string,
  urls: readonly string[],
): Promise<void> {
  for (const url of urls) {
    let request: Request;
    try {
      // The player's own XHR/fetch defaults: CORS, cookies only to the same origin.
      request = new Request(url, { cache: 'force-cache' });
    } catch {
      continue;
    }
    const route = deps.classify(request);
    if (route.kind !== 'manifest' && route.kind !== 'maybe-manifest') continue;
    const response = await deps
      .serve({ request, clientId, sniff: route.kind === 'maybe-manifest', waitUntil: () => {} })
      .catch(() => undefined);
    await response?.body?.cancel();
  }
}
