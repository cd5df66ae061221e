// Finds and launches the system Chromium for browser tests (puppeteer's own download is not used).
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer';

const FALLBACK_PATH = '/usr/bin/chromium';

/** Flags that work headless as root on a loopback-only machine (see README "Testing"). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export function findChromium(): string {
  const fromEnv = process.env.PUPPETEER_EXECUTABLE_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(`PUPPETEER_EXECUTABLE_PATH=${fromEnv} does not exist: point it at a Chromium binary.`);
    }
    return fromEnv;
  }
  if (existsSync(FALLBACK_PATH)) return FALLBACK_PATH;
  throw new Error(
    'No Chromium found for the browser tests. Install it with `sudo apt-get install -y chromium` ' +
      '(Debian/Ubuntu), or set PUPPETEER_EXECUTABLE_PATH to a Chromium/Chrome binary.',
  );
}

export interface LaunchOptions {
  /**
   * Runs Chromium through the script this returns (given Chromium's path; the script passes its arguments on),
   * e.g. inside a lab viewer's network namespace. Default: Chromium itself.
   */
  wrap?: (chromium: string) => string;
  /** Flags after CHROMIUM_ARGS. Default none. */
  args?: string[];
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const chromium = findChromium();
  const browser = await puppeteer.launch({
    executablePath: options.wrap ? options.wrap(chromium) : chromium,
    // A wrapped Chromium may run in another network namespace, whose loopback (where the DevTools WebSocket
    // listens) the harness cannot reach: talk over a pipe instead.
    pipe: options.wrap !== undefined,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
  // Puppeteer stops reading Chromium's stderr after start-up, and Chromium logs each EAGAIN of a WebRTC UDP
  // send there (~50 KB per 4 MiB moved): once the pipe fills, the renderer's WebRTC thread blocks in write(2)
  // and transfers freeze. Keep it drained.
  browser.process()?.stderr?.resume();
  return browser;
}
