// Manifests a page loaded before this worker controlled it: a first visit does not hold the player for the
// worker's install, so its first playlists (or MPD) went straight to the network. The worker reads them again, as
// if the player's request had come through it, so the segments the player asks for next are known ones. The
// browser's HTTP cache answers when the origin allows it.
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import type { ManifestTracker } from './manifest-tracker';
import type { Route } from './request-classifier';
import { playlistUrl } from './segment-id';
import type { SegmentIndex } from './segment-index';

export interface AdoptionDeps {
  classify(request: Request): Route;
  /** A manifest the index has is skipped: the player loaded it again through the worker since. */
  index: Pick<SegmentIndex, 'get'>;
  settings(): WorkerSettings;
  tracker: Pick<ManifestTracker, 'serve'>;
}

/**
 * Reads the manifests among `urls` (anything else the page loaded is left alone: only URLs a player's manifest
 * request would have been routed as one, by extension or as a playlist the index lists). There is no event to
 * extend: the worker is kept alive by the page's player, whose next requests need these.
 */
export async function adoptManifests(
  urls: readonly string[],
  clientId: string,
  deps: AdoptionDeps,
): Promise<void> {
  const waitUntil = (work: Promise<unknown>) => void work;
  const jobs = [...new Set(urls)].flatMap((url) => {
    const request = manifestRequest(url);
    if (!request || deps.classify(request).kind !== 'manifest') return [];
    if (deps.index.get(playlistUrl(url, deps.settings().volatileParams))) return [];
    return [
      deps.tracker
        .serve({ request, clientId, sniff: false, waitUntil })
        // Read for the index only: nobody takes the body.
        .then((response) => response.body?.cancel())
        .catch(() => {}),
    ];
  });
  await Promise.all(jobs);
}

/** The request a player's XHR/fetch would have made (CORS: a worker cannot read an opaque body). */
function manifestRequest(url: string): Request | undefined {
  try {
    return new Request(url, { mode: 'cors', credentials: 'same-origin' });
  } catch {
    return undefined;
  }
}
