// Where the harness's viewers run: on loopback, one Chromium with a browser context per viewer; in the
// network lab, one Chromium per viewer inside that viewer's network namespace.
import type { Browser } from 'puppeteer';
import type { Lab } from '../../lab/start-lab';
import { launchChromium } from '../../tests/support/browser';
import { openViewer, type Viewer, type ViewerOptions } from '../../tests/support/viewer';

export interface ViewerBrowsers {
  open(url: string, options: ViewerOptions): Promise<Viewer>;
  /** Chromium processes running now (for the machine-load sampler). */
  pids(): number[];
  close(): Promise<void>;
}

export async function sharedBrowser(): Promise<ViewerBrowsers> {
  const browser = await launchChromium();
  return {
    open: (url, options) => openViewer(browser, url, options),
    pids: () => [browser.process()?.pid].filter((pid) => pid !== undefined),
    close: () => browser.close(),
  };
}

/** Chromium launches at once while preparing the lab's browsers. */
const LAUNCH_CONCURRENCY = 3;

/**
 * Launches every lab viewer's Chromium before the run starts: a launch takes seconds on a busy 2-core machine,
 * and the join schedule must not wait for it. `origin` is the lab origin, which Chromium must treat as secure
 * (service workers need a secure context).
 */
export async function labBrowsers(lab: Lab, origin: string): Promise<ViewerBrowsers> {
  const browsers = new Map<string, Browser>();
  const closeAll = async () => {
    await Promise.all([...browsers.values()].map((browser) => browser.close()));
    browsers.clear();
  };
  try {
    for (let i = 0; i < lab.viewers.length; i += LAUNCH_CONCURRENCY) {
      await Promise.all(
        lab.viewers.slice(i, i + LAUNCH_CONCURRENCY).map(async ({ name }) => {
          const browser = await launchChromium({
            wrap: (chromium) => lab.wrapInNamespace(name, chromium),
            args: [`--unsafely-treat-insecure-origin-as-secure=${origin}`],
          });
          browsers.set(name, browser);
        }),
      );
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    async open(url, options) {
      const browser = browsers.get(options.name);
      if (!browser)
        throw new Error(`${options.name}: no lab browser (the lab has ${lab.viewers.length} viewers)`);
      const viewer = await openViewer(browser, url, options);
      // A viewer that leaves takes its whole browser (and its processes in the namespace) with it.
      return {
        ...viewer,
        close: async () => {
          browsers.delete(options.name);
          await viewer.close().finally(() => browser.close());
        },
      };
    },
    pids: () => [...browsers.values()].flatMap((browser) => browser.process()?.pid ?? []),
    close: closeAll,
  };
}
