// What a page loaded before this worker controlled it: a first visit does not hold the player for the worker's
// install, so its first playlists (or MPD) and segments went straight to the network. The worker reads those
// manifests again, as if the player's request had come through it, so the segments the player asks for next are
// known ones (the browser's HTTP cache answers when the origin allows it); then it reports the known segments
// among them as delivered from the network, so Peerlane.stats() counts every byte the player got.
import type { LoadedResource } from '../../protocol/bridge/bridge-messages';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import type { ManifestTracker } from './manifest-tracker';
import type { Route } from './request-classifier';
import { playlistUrl } from './segment-id';
import type { SegmentIndex } from './segment-index';
import type { SegmentSources } from './segment-sources';

export interface AdoptionDeps {
  classify(request: Request): Route;
  /** A manifest the index has is skipped: the player loaded it again through the worker since. */
  index: Pick<SegmentIndex, 'get'>;
  settings(): WorkerSettings;
  tracker: Pick<ManifestTracker, 'serve'>;
  /** Told of the known segments the player got from the network before control. */
  sources: Pick<SegmentSources, 'delivered'>;
}

/**
 * Returns what takes each `loaded-before-control`. Reports are taken one after the other: a segment that completed
 * after the welcome comes in a later report than its playlist, and is known only once that playlist is read.
 */
export function manifestAdopter(
  deps: AdoptionDeps,
): (clientId: string, resources: LoadedResource[]) => Promise<void> {
  let previous = Promise.resolve();
  return (clientId, resources) => {
    const adopted = previous.then(() => adopt(resources, clientId, deps));
    // A report that failed must not stop the ones after it.
    previous = adopted.catch(() => {});
    return adopted;
  };
}

/**
 * Reads the manifests among `resources` (only URLs a player's manifest request would have been routed as one, by
 * extension or as a playlist the index lists), then reports the segments. There is no event to extend: the worker
 * is kept alive by the page's player, whose next requests need these.
 */
async function adopt(
  resources: readonly LoadedResource[],
  clientId: string,
  deps: AdoptionDeps,
): Promise<void> {
  const waitUntil = (work: Promise<unknown>) => void work;
  const jobs = [...new Set(resources.map(({ url }) => url))].flatMap((url) => {
    const request = playerRequest(url);
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
  for (const { url, bytes, ms } of resources) {
    const request = bytes > 0 ? playerRequest(url) : undefined;
    const route = request && deps.classify(request);
    // `ms` is request to last byte; the worker added nothing to it.
    if (route?.kind === 'segment') deps.sources.delivered(clientId, route.match.ref, 'http', bytes, ms, 0);
  }
}

/** The request a player's XHR/fetch would have made (CORS: a worker cannot read an opaque body). */
function playerRequest(url: string): Request | undefined {
  try {
    return new Request(url, { mode: 'cors', credentials: 'same-origin' });
  } catch {
    return undefined;
  }
}
