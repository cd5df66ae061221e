// A first visit: the player starts before the worker controls the page, so its first manifests and segments
// bypass the worker. Resource Timing lists them (workerStart 0: no worker in the way); they are handed to the
// worker once connected, which reads them again (sw/worker/load-adoption.ts): the segments the player asks for
// next are recognised, and the ones it already has are cached, shared and counted.
import { MAX_ADOPTED_LOADS } from '../../protocol/bridge/bridge-messages';
import { extensionOf, MEDIA_FILE_EXTENSIONS } from '../../protocol/media-type';

const MANIFEST_EXTENSIONS = new Set(['m3u8', 'm3u', 'mpd']);
/** Players load media with XHR or fetch; a media element's own loads are range requests Resource Timing cannot tell. */
const PLAYER_INITIATORS = new Set(['xmlhttprequest', 'fetch']);
/** Loads are watched this long at most: past it, loads made before the worker took over have long ended. */
const WATCH_MS = 30_000;

export class PreControlLoads {
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
    // workerStart > 0: through the worker, which saw it. A load made before the worker took over may still end
    // after one made through it, so the watch goes on (bounded by WATCH_MS).
    if (!PLAYER_INITIATORS.has(entry.initiatorType) || !isMedia(entry.name) || entry.workerStart > 0) return;
    if (this.seen.has(entry.name) || this.seen.size >= MAX_ADOPTED_LOADS) return;
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

function isMedia(url: string): boolean {
  try {
    const extension = extensionOf(url);
    return MANIFEST_EXTENSIONS.has(extension) || MEDIA_FILE_EXTENSIONS.has(extension);
  } catch {
    return false;
  }
}
