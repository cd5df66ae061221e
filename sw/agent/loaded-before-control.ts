// On a first visit the player is created before the worker controls the page (start() does not hold it), so its
// first manifests go straight to the network, or reach a worker that does not have the page's settings yet.
// Resource Timing lists them: the worker is told, and reads the ones it did not index again
// (`loaded-before-control`), so the segments the player asks for next are ones it knows. Their sizes go along: the
// segments among them reached the player from the network, and Peerlane.stats() counts them.
import type { LoadedResource } from '../../protocol/bridge/bridge-messages';
import { MAX_SEGMENT_BYTES } from '../../protocol/peers/peer-wire';

/** How players load manifests: XHR (hls.js, dash.js, video.js) or fetch (Shaka, hls.js's fetch loader). */
const PLAYER_INITIATORS = new Set(['xmlhttprequest', 'fetch']);
/** A request that started before control and is still loading is listed when it completes, within this long. */
const WATCH_MS = 10_000;

/**
 * Reports the player's requests that started before `controlledAt` (performance.now() time: when the worker took
 * the page's settings): those complete already at once, the others as they complete. Returns the function that
 * stops watching.
 */
export function reportLoadedBeforeControl(
  controlledAt: number,
  report: (resources: LoadedResource[]) => void,
): () => void {
  if (typeof performance === 'undefined' || typeof PerformanceObserver === 'undefined') return () => {};
  const seen = new Set<string>();
  const take = (entries: PerformanceEntryList) => {
    const resources: LoadedResource[] = [];
    for (const entry of entries) {
      const { name, startTime, initiatorType, decodedBodySize, responseEnd } =
        entry as PerformanceResourceTiming;
      if (startTime >= controlledAt || !PLAYER_INITIATORS.has(initiatorType) || seen.has(name)) continue;
      seen.add(name);
      // Bigger than any segment: a file the worker would not count anyway.
      const bytes = decodedBodySize <= MAX_SEGMENT_BYTES ? decodedBodySize : 0;
      resources.push({ url: name, bytes, ms: Math.max(0, responseEnd - startTime) });
    }
    if (resources.length > 0) report(resources);
  };
  const observer = new PerformanceObserver((list) => take(list.getEntries()));
  observer.observe({ type: 'resource' });
  take(performance.getEntriesByType('resource'));
  const timer = setTimeout(() => observer.disconnect(), WATCH_MS);
  return () => {
    clearTimeout(timer);
    observer.disconnect();
  };
}
