// How late the page's main thread runs a timer: the load the page, or the whole machine, is under. Peer transfers,
// announcements and the worker's answers all cross this thread, so the scheduler stretches its waits by it and
// prefetches less (see load-adjusted.ts) instead of losing transfers to deadlines a busy machine cannot meet.

/** One probe timer this often: cheap (4 wake-ups a second) and fine enough for waits of hundreds of ms. */
const PROBE_INTERVAL_MS = 250;
/** The estimate falls by this factor per probe without a new peak: a burst of load is remembered for seconds. */
const DECAY = 0.85;
/** Drift below this is timer noise, not load. */
const NOISE_MS = 4;

export class EventLoopLag {
  private lagMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly now: () => number) {
    this.schedule();
  }

  /** Recent lag of the main thread, ms: rises with a late timer at once, decays over a few seconds. */
  get ms(): number {
    return this.lagMs;
  }

  private schedule(): void {
    const due = this.now() + PROBE_INTERVAL_MS;
    this.timer = setTimeout(() => {
      const late = this.now() - due;
      this.lagMs = Math.max(late > NOISE_MS ? late : 0, this.lagMs * DECAY);
      this.schedule();
    }, PROBE_INTERVAL_MS);
  }

  destroy(): void {
    clearTimeout(this.timer);
  }
}
