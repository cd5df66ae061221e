// window.Peerlane (and the ES module): start/ready/stats/on/off/clear/destroy. Loaded as
// <script src="/peerlane.js" data-signal="wss://…"></script> it starts itself from the tag's data-* attributes.

import {
  optionsFromDataset,
  PEERLANE_DEFAULTS,
  type PeerlaneConfig,
  type PeerlaneOptions,
  resolveConfig,
} from './config';
import { PeerlaneError, reportError } from './errors';
import { emptySegmentCache } from './held-segments';
import type { PeerlaneAgent } from './peerlane-agent';
import type { PeerlaneEvents, PeerlaneStats } from './peerlane-events';
import { markPhase } from './phase-marks';
import { TypedEmitter } from './typed-emitter';
import { untilPlaying } from './until-playing';
import { registerEarly, supportsServiceWorkers } from './worker-bridge';

export type { PeerlaneOptions } from './config';
export type { ErrorCode } from './errors';
export type { PeerlaneEvents, PeerlaneStats } from './peerlane-events';
export { PeerlaneError };

const events = new TypedEmitter<PeerlaneEvents>();
let agent: PeerlaneAgent | undefined;
let starting: Promise<void> | undefined;
/** destroy() calls so far: a start() that loaded the agent across one ends there. */
let destroyed = 0;
let settleReady: { resolve: () => void; reject: (error: unknown) => void } | undefined;

/**
 * Settles with the first start(): resolved once the worker controls the page and has taken its settings, rejected
 * with a PeerlaneError. With `waitForPlayback` (the default) that is after the page's first frame. A page whose player
 * streams a file in one long response (a plain `<video src>`) starts with `waitForPlayback: false` and awaits this
 * before setting `src`, so that response goes through the worker on a first visit too.
 */
export const ready: Promise<void> = new Promise((resolve, reject) => {
  settleReady = { resolve, reject };
});
// A page that never awaits `ready` must not see an unhandled rejection; errors also reach on('error') / the console.
ready.catch(() => {});

/**
 * Starts Peerlane: registers the worker, connects to it and to the signal server. Resolves at once (rejects on bad
 * options or without service workers): the player is created next and its first requests go to the network, or to
 * the worker's cache on a returning visit, while Peerlane starts — by default once the player plays its first frame
 * (`waitForPlayback`). The worker then takes over the player's requests (it reads the manifests loaded before, see
 * loaded-before-control.ts) and peers join as the buffer grows; `ready` says when. Calling it again returns the same
 * promise (options of later calls are ignored until destroy()).
 */
export function start(options: Partial<PeerlaneOptions>): Promise<void> {
  if (starting) return starting;
  markPhase('start');
  const { mayStart, connected } = launch(options);
  starting = mayStart;
  mayStart.then(
    () => markPhase('ready'),
    () => {},
  );
  connected.then(
    () => settleReady?.resolve(),
    (error: unknown) => {
      // Let a later start() try again.
      if (starting === mayStart) starting = undefined;
      settleReady?.reject(error);
      if (error instanceof PeerlaneError) reportError(events, error);
    },
  );
  return mayStart;
}

/** `mayStart`: the player may be created; `connected`: the worker took the page's settings (`ready`). */
function launch(options: Partial<PeerlaneOptions>): { mayStart: Promise<void>; connected: Promise<void> } {
  let config: PeerlaneConfig;
  try {
    config = resolveConfig(options);
  } catch (error) {
    const failed = Promise.reject(error);
    return { mayStart: failed, connected: failed };
  }
  const connected = connect(config);
  // Without service workers start() rejects (sw-unsupported), as a page that checks it expects.
  return { mayStart: supportsServiceWorkers() ? Promise.resolve() : connected, connected };
}

async function connect(config: PeerlaneConfig): Promise<void> {
  const launched = destroyed;
  // The page goes on from start() first (it creates its player), then, by default, plays its first frame.
  if (config.waitForPlayback) await untilPlaying(config.playbackWaitMaxMs);
  else await new Promise((resolve) => setTimeout(resolve, 0));
  // The agent and PeerJS are evaluated now, not when the script loads: PeerJS tests WebRTC support at load time by
  // opening an RTCPeerConnection, which would block the page's parsing in <head> (the bundle inlines this import).
  const { PeerlaneAgent } = await import('./peerlane-agent');
  if (destroyed !== launched) throw new PeerlaneError('destroyed', {});
  const current = new PeerlaneAgent(config, events);
  agent = current;
  try {
    await current.start();
  } catch (error) {
    // Failed to start: leave nothing running.
    current.destroy();
    if (agent === current) agent = undefined;
    throw error;
  }
}

const EMPTY_STATS: PeerlaneStats = {
  httpBytes: 0,
  p2pBytes: 0,
  cacheBytes: 0,
  uploadedBytes: 0,
  peers: 0,
  peerId: null,
  bannedPeers: [],
  stalls: 0,
  bufferAheadSec: 0,
  qoe: null,
};

/** Bytes delivered to the player by source, bytes uploaded, open peer connections (zeros before start). */
export function stats(): PeerlaneStats {
  return agent ? agent.stats() : { ...EMPTY_STATS };
}

export function on<Name extends keyof PeerlaneEvents>(
  name: Name,
  listener: (payload: PeerlaneEvents[Name]) => void,
): void {
  events.on(name, listener);
}

export function off<Name extends keyof PeerlaneEvents>(
  name: Name,
  listener: (payload: PeerlaneEvents[Name]) => void,
): void {
  events.off(name, listener);
}

/** Empties this origin's segment cache (all tabs share it) and tells peers we hold nothing. */
export function clear(): Promise<void> {
  return agent ? agent.clear() : emptySegmentCache();
}

/** Stops everything: peers, signal connection, worker bridge, observers. Listeners stay registered. */
export function destroy(): void {
  destroyed++;
  agent?.destroy();
  agent = undefined;
  starting = undefined;
}

// The tag form: a classic script knows its own element while it runs (an ES module does not, and is started by code).
// `data-signal` starts everything; `data-sw` alone only installs the worker while the page loads, for a page that
// awaits `ready` before its first request (a plain <video>, with waitForPlayback: false) and should not wait long. A
// segmented player does without: on a busy device the install would slow its start-up.
const script = typeof document === 'undefined' ? null : document.currentScript;
if (script instanceof HTMLScriptElement && script.dataset.signal) {
  try {
    // Errors are reported through on('error') / the console and `ready`; nobody awaits this call.
    start(optionsFromDataset(script.dataset)).catch(() => {});
  } catch (error) {
    settleReady?.reject(error);
    if (error instanceof PeerlaneError) reportError(events, error);
  }
} else if (script instanceof HTMLScriptElement && script.dataset.sw) {
  registerEarly(script.dataset.sw, script.dataset.scope ?? PEERLANE_DEFAULTS.scope);
}
