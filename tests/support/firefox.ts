// Finds and launches the system Firefox ESR for browser tests, driven over WebDriver BiDi (puppeteer's own download
// is not used), with the preferences a headless swarm viewer needs.
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import puppeteer, { type Browser } from 'puppeteer';

const FALLBACK_PATHS = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];

export const FIREFOX_PREFS: Record<string, unknown> = {
  // Players start without a user gesture, sound or not (the example pages are muted, a site's may not be).
  'media.autoplay.default': 0,
  // Accept a Chromium viewer's 127.0.0.1 candidates (Chromium gathers them: --allow-loopback-in-peer-connection).
  // It does not make Firefox gather any of its own: see firefoxPeeringProblem().
  'media.peerconnection.ice.loopback': true,
  // Plain host addresses instead of mDNS names, like the Chromium viewers' (browser.ts): no pairing waits on a
  // name lookup.
  'media.peerconnection.ice.obfuscate_host_addresses': false,
};

export function findFirefox(): string {
  const fromEnv = process.env.PEERLANE_FIREFOX_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(`PEERLANE_FIREFOX_PATH=${fromEnv} does not exist: point it at a Firefox binary.`);
    }
    return fromEnv;
  }
  const found = FALLBACK_PATHS.find((path) => existsSync(path));
  if (found) return found;
  throw new Error(
    'No Firefox found for the Firefox browser tests. Install it with `sudo apt-get install -y firefox-esr` ' +
      '(Debian/Ubuntu), or set PEERLANE_FIREFOX_PATH to a Firefox binary.',
  );
}

/**
 * Why Firefox viewers cannot open data channels on this machine, or undefined when they can. Firefox offers ICE
 * candidates only on a non-loopback interface, and only while a default route exists: measured with Firefox 153 ESR
 * in a network namespace, loopback alone or no default route gives no usable candidate at all, whatever
 * `media.peerconnection.ice.loopback` says. Packets between viewers on one machine still never leave it.
 */
export function firefoxPeeringProblem(): string | undefined {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  if (!addresses.some((address) => !address.internal)) return 'it has no network interface but loopback';
  let routes: string;
  try {
    routes = readFileSync('/proc/net/route', 'utf8');
  } catch {
    return undefined; // Not Linux: nothing to tell.
  }
  // IPv4 only: Linux lists an "unreachable" IPv6 default route on every machine.
  const hasDefault = routes.split('\n').some((line) => line.split(/\s+/)[1] === '00000000');
  return hasDefault ? undefined : 'it has no default route';
}

/** `peers`: the test opens data channels (default); Firefox is then refused early on a machine where it cannot. */
export async function launchFirefox({ peers = true } = {}): Promise<Browser> {
  const problem = peers ? firefoxPeeringProblem() : undefined;
  if (problem) {
    throw new Error(
      `Firefox viewers cannot reach each other on this machine: ${problem}. Firefox gathers WebRTC candidates ` +
        'only on a non-loopback interface with a default route; give the machine one (any address will do, ' +
        'e.g. a veth pair with an address and `ip route add default dev <veth>`).',
    );
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: findFirefox(),
    headless: true,
    extraPrefsFirefox: FIREFOX_PREFS,
  });
  // As with Chromium (browser.ts): a pipe nobody reads fills and blocks the browser's logging.
  browser.process()?.stderr?.resume();
  return browser;
}
