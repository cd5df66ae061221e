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

/** `origin`: the lab origin, which Chromium must treat as secure (service workers need a secure context). */
export function labBrowsers(lab: Lab, origin: string): ViewerBrowsers {
  const browsers = new Map<string, Browser>();
  return {
    async open(url, options) {
      const browser = await launchChromium({
        wrap: (chromium) => lab.wrapInNamespace(options.name, chromium),
        args: [`--unsafely-treat-insecure-origin-as-secure=${origin}`],
      });
      browsers.set(options.name, browser);
      try {
        const viewer = await openViewer(browser, url, options);
        // A viewer that leaves takes its whole browser (and its processes in the namespace) with it.
        return {
          ...viewer,
          close: async () => {
            browsers.delete(options.name);
            await viewer.close().finally(() => browser.close());
          },
        };
      } catch (error) {
        browsers.delete(options.name);
        await browser.close();
        throw error;
      }
    },
    pids: () => [...browsers.values()].flatMap((browser) => browser.process()?.pid ?? []),
    close: async () => {
      await Promise.all([...browsers.values()].map((browser) => browser.close()));
      browsers.clear();
    },
  };
}
