// A first visit: the player starts before the worker controls the page, so its first manifests bypass the worker.
// Resource Timing lists them (workerStart 0: no worker in the way); they are handed to the worker once connected,
// which reads them as if they had passed through it (sw/worker/manifest-adoption.ts).
import { MAX_ADOPTED_MANIFESTS } from '../../protocol/bridge/bridge-messages';

const MANIFEST_PATH = /\.(m3u8|m3u|mpd)$/i;
/** Manifests are watched this long at most: past it the player has long fetched through the worker. */
const WATCH_MS = 30_000;

export class PreControlManifests {
  private readonly seen = new Set<string>();
  private pending: string[] = [];
  private observer: PerformanceObserver | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;

  /** `send` returns false while there is no worker to send to (then they wait for flush()). */
  constructor(private readonly send: (urls: string[]) => boolean) {
    this.timer = setTimeout(() => this.destroy(), WATCH_MS);
    if (typeof PerformanceObserver === 'undefined') return;
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as PerformanceResourceTiming[]) this.consider(entry);
      this.flush();
    });
    this.observer.observe({ type: 'resource', buffered: true });
  }

  private consider(entry: PerformanceResourceTiming): void {
    if (!isManifest(entry.name)) return;
    // Through the worker already: nothing earlier is still on its way, the worker sees the rest itself.
    if (entry.workerStart > 0) {
      this.destroy();
      return;
    }
    if (this.seen.has(entry.name) || this.seen.size >= MAX_ADOPTED_MANIFESTS) return;
    this.seen.add(entry.name);
    this.pending.push(entry.name);
  }

  /** Hands what waits to the worker (call when a port to it opens). */
  flush(): void {
    if (this.pending.length > 0 && this.send(this.pending)) this.pending = [];
  }

  destroy(): void {
    clearTimeout(this.timer);
    this.observer?.disconnect();
    this.observer = undefined;
  }
}

function isManifest(url: string): boolean {
  try {
    return MANIFEST_PATH.test(new URL(url).pathname);
  } catch {
    return false;
  }
}
