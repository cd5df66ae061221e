// The set-up every browser test file shares: one stack (signal server + origin) and one headless Chromium for the
// file, started before its tests; the viewers its tests open, closed after each test or with the file; then the
// browser and the stack.
import type { Browser } from 'puppeteer';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchChromium } from './browser';
import { type Stack, type StackOptions, startStack } from './stack';
import { openViewer, type Viewer, type ViewerOptions } from './viewer';

export interface BrowserStackOptions extends StackOptions {
  /** When the viewers tests opened are closed: 'file' (default) once all tests ran, 'test' after each test. */
  closeViewers?: 'file' | 'test';
  /** The browser every viewer of the file runs in (a context each). Default Chromium. */
  launch?: () => Promise<Browser>;
}

export interface BrowserStack {
  readonly stack: Stack;
  readonly browser: Browser;
  /** Opens a viewer in its own browser context; closed automatically (see `closeViewers`). */
  open(url: string, options: ViewerOptions): Promise<Viewer>;
  /** Closes a viewer now (it is not closed again). */
  close(viewer: Viewer): Promise<void>;
  /** Something else to close with the viewers (a raw signaling client, a helper server). */
  onClose(close: () => Promise<void>): void;
}

export function useBrowserStack(options: BrowserStackOptions = {}): BrowserStack {
  const { closeViewers = 'file', launch = launchChromium, ...stackOptions } = options;
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const viewers = new Set<Viewer>();
  const closers: (() => Promise<void>)[] = [];
  const closeOpened = async () => {
    const opened = [...viewers];
    viewers.clear();
    // One context at a time: Chromium disposing of many at once (their pages still playing) once lost track of one.
    for (const viewer of opened) await viewer.close().catch(alreadyGone);
    await Promise.all(closers.splice(0).map((close) => close()));
  };

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(stackOptions), launch()]);
  });
  if (closeViewers === 'test') afterEach(closeOpened);
  afterAll(async () => {
    await closeOpened();
    await browser?.close();
    await stack?.close();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the browser stack has not started (use it inside a test)');
    return value;
  };
  return {
    get stack() {
      return started(stack);
    },
    get browser() {
      return started(browser);
    },
    async open(url, viewerOptions) {
      const viewer = await openViewer(started(browser), url, viewerOptions);
      viewers.add(viewer);
      return viewer;
    },
    async close(viewer) {
      viewers.delete(viewer);
      await viewer.close();
    },
    onClose(close) {
      closers.push(close);
    },
  };
}

/**
 * A viewer closed at teardown whose context's session the browser already dropped (seen once in CI while many
 * contexts of one browser were disposed of together) is closed all the same: the test is over, and the browser is
 * closed after its viewers in any case. Anything else is rethrown.
 */
function alreadyGone(error: unknown): void {
  if (!/session with given id not found|target closed|no browser context/i.test(String(error))) throw error;
}
