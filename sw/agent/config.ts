// The page agent's one configuration object: every option with its default, merged and validated once at start.
// Options come from Peerlane.start({...}) or, for the script tag, from data-* attributes mapped 1:1 by name.

import { version } from '../../package.json';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { PeerlaneError } from './errors';

/** Sent to the worker in `hello`, so a page script and a worker from different releases can tell. */
export const PEERLANE_VERSION: string = version;

export interface PeerlaneOptions {
  /** Signal server URL, e.g. 'wss://signal.example.com/' (the path is where its PeerJS routes live). Required. */
  signal: string;
  /** Key presented to the signal server (PeerJS `key`). Default 'peerjs'. */
  key: string;
  /**
   * Our id at the signal server. Default: one the server assigns. Needed with a signed join token, which your
   * backend issues for one id (see signal-server/PROTOCOL.md, "Signed join tokens").
   */
  peerId: string | undefined;
  /** The PeerJS `token`: a signed join token from your backend when the site's key requires one. Default: random. */
  token: string | undefined;
  /** URL of the service worker script. Default '/peerlane-sw.js'. */
  sw: string;
  /** Service worker scope: the pages and media URLs it may intercept. Default '/'. */
  scope: string;
  /** STUN/TURN servers for WebRTC. Default: one public STUN server. Tests on loopback pass []. */
  iceServers: RTCIceServer[];
  /** Most peer connections held at once. Default 10. */
  maxPeers: number;
  /** Most bytes per second uploaded to all peers together. Default Infinity (no cap); 0 never uploads. */
  uploadCap: number;
  /**
   * Segments uploaded at once to all peers together (a peer whose player waits may take one more); further
   * requests are answered busy and go to other holders, so no viewer becomes the whole swarm's server. Default 3.
   */
  maxUploads: number;
  // The next five are the worker's settings (sw/worker/config.ts has their defaults): sent in `hello` when set.
  /** Largest size of the shared IndexedDB segment cache, bytes (LRU eviction beyond). Default: the worker's (256 MiB). */
  cacheMaxBytes: number | undefined;
  /** Query parameters that differ per viewer (CDN tokens): not part of a segment's identity. Default: the worker's list. */
  volatileParams: string[] | undefined;
  /**
   * Longest the worker waits for peers before going to the network, ms, for a segment (or a part up to 512 KiB; a
   * bigger part, such as a 1 MiB piece of a file, in proportion). Default: the worker's (2000).
   */
  peerMaxWaitMs: number | undefined;
  /** Recognise playlists served from extension-less URLs by their Content-Type. Default: the worker's (true). */
  sniffPlaylists: boolean | undefined;
  /**
   * Where the worker may handle media (playlists, segments, files): URL prefixes, absolute or paths on this origin,
   * e.g. ['https://cdn.example.com/vod/', '/media/']; requests elsewhere never reach Peerlane.
   * data-media-urls="https://cdn.example.com/vod/,/media/". Default: the worker's (this origin only).
   */
  mediaUrls: string[] | undefined;
  /**
   * Live streams: a segment none of the peers of our own network (ISP, as the signal server tells) holds may come
   * from peers of other networks only while we asked them for less than this share of the bytes we asked peers for
   * (cancelled downloads count: their bytes cross anyway), or when the network alone would not keep the buffer's
   * margin; otherwise the CDN serves it (and our ISP's peers take it from us), so the ISP keeps its traffic inside —
   * also a viewer alone in its ISP. Default 0.05; 1: no limit.
   */
  crossNetworkShare: number;
  /** Download segments ahead of the player from peers into the cache. Default true. */
  prefetch: boolean;
  /** How many segments past the player's latest request may be prefetched. Default 8. */
  prefetchAhead: number;
  /** Prefetch downloads at once. Default 2. */
  prefetchConcurrency: number;
  /** While playing with less than this many seconds buffered, prefetch waits (the player's own requests come first). Default 4. */
  prefetchMinBufferSec: number;
  /** Time kept between the network finishing a segment and the buffer running dry, ms. Default 1500. */
  safetyMarginMs: number;
  /** Longest a peer may take for a segment before playback has started (startup delay at stake), ms. Default 1500. */
  startupPeerWaitMs: number;
  /**
   * Peerlane starts its own work (the worker's install on a first visit, the signal server, peers) once a media
   * element of the page plays its first frame (or after `playbackWaitMaxMs`), so the player starts as fast as
   * without it: its first requests go to the network or the cache, peers join as the buffer grows. `false`: at once,
   * for a page that awaits `Peerlane.ready` before it sets a plain `<video>`'s `src`. Default true.
   */
  waitForPlayback: boolean;
  /** Longest Peerlane waits for playback to begin before it starts anyway (see waitForPlayback), ms. Default 3000. */
  playbackWaitMaxMs: number;
  /** How long Peerlane waits for the service worker to control the page (`ready`), ms. Default 10000. */
  controlTimeoutMs: number;
  /** How long a peer connection may take to open, ms. Default 10000. */
  connectTimeoutMs: number;
  /** Segment requests per second one peer may make of us (burst: twice that). Default 20. */
  peerRequestsPerSec: number;
  /**
   * Report this viewer's playback quality (startup, rebuffering, frames, bytes by source, peers, bitrate) to the
   * signal server for its operator's dashboards: nothing signaling does not see already (no address beyond the
   * connection's, no URL beyond the swarm key). `false` (data-qoe="false") sends none. Default true.
   */
  qoe: boolean;
  /** How often a QoE report is sent, ms (also when playback starts, the page is hidden, and on unload). Default 30000. */
  qoeIntervalMs: number;
}

export type PeerlaneConfig = Readonly<PeerlaneOptions>;

export const PEERLANE_DEFAULTS: Omit<PeerlaneConfig, 'signal'> = {
  key: 'peerjs',
  peerId: undefined,
  token: undefined,
  sw: '/peerlane-sw.js',
  scope: '/',
  iceServers: [{ urls: 'stun:stun.l.google.com:19302' }],
  maxPeers: 10,
  uploadCap: Number.POSITIVE_INFINITY,
  maxUploads: 3,
  cacheMaxBytes: undefined,
  volatileParams: undefined,
  peerMaxWaitMs: undefined,
  sniffPlaylists: undefined,
  mediaUrls: undefined,
  crossNetworkShare: 0.05,
  prefetch: true,
  prefetchAhead: 8,
  prefetchConcurrency: 2,
  prefetchMinBufferSec: 4,
  safetyMarginMs: 1500,
  startupPeerWaitMs: 1500,
  waitForPlayback: true,
  playbackWaitMaxMs: 3000,
  controlTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  peerRequestsPerSec: 20,
  qoe: true,
  qoeIntervalMs: 30_000,
};

type OptionKind = 'url' | 'text' | 'count' | 'amount' | 'flag' | 'list' | 'ice';

/** How each option is checked and read from a data-* attribute (the dataset name is the option name). */
const OPTION_KINDS: Record<keyof PeerlaneOptions, OptionKind> = {
  signal: 'url',
  key: 'text',
  peerId: 'text',
  token: 'text',
  sw: 'text',
  scope: 'text',
  iceServers: 'ice',
  maxPeers: 'count',
  uploadCap: 'amount',
  maxUploads: 'count',
  cacheMaxBytes: 'count',
  volatileParams: 'list',
  peerMaxWaitMs: 'amount',
  sniffPlaylists: 'flag',
  mediaUrls: 'list',
  crossNetworkShare: 'amount',
  prefetch: 'flag',
  prefetchAhead: 'amount',
  prefetchConcurrency: 'count',
  prefetchMinBufferSec: 'amount',
  safetyMarginMs: 'amount',
  startupPeerWaitMs: 'amount',
  waitForPlayback: 'flag',
  playbackWaitMaxMs: 'count',
  controlTimeoutMs: 'count',
  connectTimeoutMs: 'count',
  peerRequestsPerSec: 'count',
  qoe: 'flag',
  qoeIntervalMs: 'count',
};

function problemWith(kind: OptionKind, value: unknown): string | undefined {
  switch (kind) {
    case 'url': {
      if (typeof value !== 'string') return 'must be a ws://, wss://, http:// or https:// URL';
      try {
        const url = new URL(value);
        return /^(wss?|https?):$/.test(url.protocol)
          ? undefined
          : `has protocol '${url.protocol}', expected ws: or wss:`;
      } catch {
        return `is not a URL: '${value}'`;
      }
    }
    case 'text':
      return typeof value === 'string' && value.length > 0 ? undefined : 'must be a non-empty string';
    case 'count':
      return Number.isInteger(value) && (value as number) > 0
        ? undefined
        : `must be a positive integer, got ${value}`;
    case 'amount':
      return typeof value === 'number' && value >= 0 && !Number.isNaN(value)
        ? undefined
        : `must be a number ≥ 0, got ${value}`;
    case 'flag':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${value}`;
    case 'list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? undefined
        : 'must be a list of strings';
    case 'ice':
      return Array.isArray(value) &&
        value.every((server) => typeof server === 'object' && server !== null && 'urls' in server)
        ? undefined
        : 'must be a list of RTCIceServer objects ({ urls })';
  }
}

function isOptionName(name: string): name is keyof PeerlaneOptions {
  return Object.hasOwn(OPTION_KINDS, name);
}

/** Merges `options` over the defaults and validates every field; throws PeerlaneError('invalid-option'). */
export function resolveConfig(options: Partial<PeerlaneOptions>): PeerlaneConfig {
  if (typeof options !== 'object' || options === null) {
    throw new PeerlaneError('invalid-option', { option: '(options)', problem: 'must be an object' });
  }
  for (const name of Object.keys(options)) {
    if (!isOptionName(name))
      throw new PeerlaneError('invalid-option', { option: name, problem: 'is not a Peerlane option' });
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const config = { ...PEERLANE_DEFAULTS, ...defined } as PeerlaneOptions;
  for (const [name, kind] of Object.entries(OPTION_KINDS)) {
    const value = config[name as keyof PeerlaneOptions];
    // Only `signal` has no default; the worker's settings may stay undefined (the worker's defaults apply).
    if (value === undefined && name in PEERLANE_DEFAULTS) continue;
    const problem = value === undefined ? 'is required' : problemWith(kind, value);
    if (problem) throw new PeerlaneError('invalid-option', { option: name, problem });
  }
  return Object.freeze(config);
}

/** Reads options from a script tag's data-* attributes: data-signal, data-max-peers="8", data-volatile-params="token,exp"… */
export function optionsFromDataset(dataset: DOMStringMap): Partial<PeerlaneOptions> {
  const options: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(dataset)) {
    if (raw === undefined || !isOptionName(name)) continue;
    const kind = OPTION_KINDS[name];
    if (kind === 'count' || kind === 'amount') {
      const number = raw.trim() === 'Infinity' ? Number.POSITIVE_INFINITY : Number(raw);
      // Not a number: kept as written, so the error quotes what the attribute says.
      options[name] = raw.trim() === '' || Number.isNaN(number) ? raw : number;
    } else if (kind === 'flag') options[name] = raw !== 'false' && raw !== '0';
    else if (kind === 'list')
      options[name] = raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    else if (kind === 'ice') options[name] = parseJson(raw, name);
    else options[name] = raw;
  }
  return options as Partial<PeerlaneOptions>;
}

function parseJson(raw: string, option: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new PeerlaneError('invalid-option', { option, problem: `is not JSON: ${raw}` });
  }
}

/** The part of the configuration the service worker applies: only what the site set (the rest keeps its defaults). */
export function workerSettings(config: PeerlaneConfig): Partial<WorkerSettings> {
  const { cacheMaxBytes, volatileParams, peerMaxWaitMs, sniffPlaylists, mediaUrls } = config;
  const settings = { cacheMaxBytes, volatileParams, peerMaxWaitMs, sniffPlaylists, mediaUrls };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}
