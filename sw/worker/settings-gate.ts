// The settings that screen the worker's requests, and whether they are known yet: a page's (its hello), else the
// ones the last page saved, else none — a first install before its page's hello. Until they are known, a request
// that may be media waits for them (briefly) instead of being screened by the defaults, which would let media on
// a CDN the page lists pass by the worker; so a page need not wait for the worker's welcome before its player.
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';

/** Where the settings in force came from; 'pending' until known, 'default' after no hello came in time. */
export type SettingsSource = 'pending' | 'saved' | 'page' | 'default';

export class SettingsGate {
  private source: SettingsSource = 'pending';
  private current: WorkerSettings;
  private readonly known: Promise<void>;
  private settle: () => void = () => {};
  private helloTimer: ReturnType<typeof setTimeout> | undefined;

  /** `helloWaitMs`: how long a first install waits for the first hello before `defaults` apply (`onTimeout`). */
  constructor(
    defaults: WorkerSettings,
    private readonly helloWaitMs: number,
    private readonly onTimeout: (waitedMs: number) => void,
  ) {
    this.current = defaults;
    this.known = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get settings(): WorkerSettings {
    return this.current;
  }

  get isKnown(): boolean {
    return this.source !== 'pending';
  }

  /** Resolves once the settings are known (saved, a page's, or the defaults after the hello wait). */
  whenKnown(): Promise<void> {
    return this.known;
  }

  /** The worker loaded its saved state: `saved` undefined when nothing was saved (a first install) or it failed. */
  restored(saved: WorkerSettings | undefined): void {
    if (this.source !== 'pending') return;
    if (saved) {
      this.current = saved;
      this.resolve('saved');
      return;
    }
    this.helloTimer = setTimeout(() => {
      if (this.source !== 'pending') return;
      this.onTimeout(this.helloWaitMs);
      this.resolve('default');
    }, this.helloWaitMs);
  }

  /** A page said hello: its settings win over saved ones, however late those load. */
  greeted(settings: WorkerSettings): void {
    this.current = settings;
    this.resolve('page');
  }

  private resolve(source: SettingsSource): void {
    clearTimeout(this.helloTimer);
    this.source = source;
    this.settle();
  }
}
