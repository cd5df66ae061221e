// Settings of the local test origin: every field, its default, and the one place they are merged.
// CLI flags (examples/origin/main.ts) and startOrigin() options map onto these fields one to one.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OriginError } from './origin-error';

/** An RTCIceServer as JSON: `{ urls: 'turn:198.51.100.2:3478', username, credential }`. */
export interface IceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface CacheControlConfig {
  /** Playlists and manifests (.m3u8, .mpd). Default 'no-cache' (revalidate: a live window moves). */
  playlist: string;
  /** Media segments and files. Default 'public, max-age=3600'. Not immutable: make-media may regenerate them. */
  segment: string;
  /** Pages, scripts, config. Default 'no-cache' (a dev server: edits show on reload). */
  page: string;
}

export interface LiveConfig {
  /** Segments each live media playlist lists (the sliding window). Default 6. */
  windowSegments: number;
  /** Write EXT-X-PROGRAM-DATE-TIME (wall-clock time of the first segment and of each loop). Default true. */
  programDateTime: boolean;
}

/**
 * A constrained CDN, applied to every media response (segments and playlists, live and VoD, on the site and
 * on the CDN port): token buckets shape the body as it is written, so the caps hold for bytes on the wire.
 */
export interface CdnConfig {
  /** Cap on the media bytes sent to all viewers together, Mbit/s. Default null (none). */
  totalMbps: number | null;
  /** Cap on the media bytes sent to one viewer (see viewer-id.ts), Mbit/s. Default null (none). */
  viewerMbps: number | null;
  /** Added before the first byte of every media response (time to first byte), ms. Default 0. */
  latencyMs: number;
}

export interface OriginConfig {
  /** Port of the site (pages, Peerlane scripts, player libraries, media). 0 picks a free port. Default 8080. */
  port: number;
  /**
   * Port of a second server that serves only `/media/` with CORS, a cross-origin "CDN" (another port is
   * another origin): pages open `?cdn` to fetch media from it. 0 picks a free port; null runs none. Default null.
   */
  cdnPort: number | null;
  /** Interface both servers bind. Default 'localhost' (service workers need a secure context: localhost is one). */
  host: string;
  /** Signal server URL handed to pages in /config.json, e.g. 'ws://localhost:9000/'. Default null (pages ask). */
  signal: string | null;
  /**
   * STUN/TURN servers handed to pages in /config.json (RTCIceServer objects), for `Peerlane.start({ iceServers })`.
   * Default [] (loopback needs none; the network lab passes its coturn).
   */
  iceServers: IceServerConfig[];
  /** Log one line per request to stdout. Default false. */
  log: boolean;
  /** Cache-Control per kind of response. */
  cacheControl: CacheControlConfig;
  /**
   * The live stream at `/media/live/master.m3u8`: the VoD renditions looped endlessly on the wall clock since
   * the origin started (the VoD stays at `/media/hls/master.m3u8`).
   */
  live: LiveConfig;
  /** Bandwidth caps and latency of media responses. Default: none (loopback speed). */
  cdn: CdnConfig;
  /**
   * Publish SHA-256 hash sidecars of every output and the live stream, announced by the `Peerlane-Hashes`
   * header on manifests and the progressive file. Default true; false: no header, no sidecar; 'files': serve
   * the `peerlane-hashes.json` files `npx peerlane-hashes` wrote into the media folder (none for live).
   */
  publishHashes: boolean | 'files';
  /** Repository root; the directories below default to folders in it. Default: found from this file. */
  rootDir: string;
  /** Served at `/`: the example pages. Default '<root>/examples'. */
  examplesDir: string;
  /** Served at `/media/`: what examples/media/make-media.mjs generates. Default '<root>/examples/media/out'. */
  mediaDir: string;
  /** Where `/peerlane.js`, `/peerlane.mjs` and `/peerlane-sw.js` come from (read per request). Default '<root>/dist'. */
  distDir: string;
  /** Where `/vendor/<package>/` looks up player libraries. Default '<root>/node_modules'. */
  nodeModulesDir: string;
}

export type OriginOptions = Partial<Omit<OriginConfig, 'cacheControl' | 'live' | 'cdn'>> & {
  cacheControl?: Partial<CacheControlConfig>;
  live?: Partial<LiveConfig>;
  cdn?: Partial<CdnConfig>;
};

/** Merges `options` over the defaults; throws OriginError('bad-option') naming the field and its flag. */
export function resolveOriginConfig(options: OriginOptions = {}): OriginConfig {
  const rootDir = options.rootDir ?? findRepoRoot();
  const config: OriginConfig = {
    port: options.port ?? 8080,
    cdnPort: options.cdnPort ?? null,
    host: options.host ?? 'localhost',
    signal: options.signal ?? null,
    iceServers: options.iceServers ?? [],
    log: options.log ?? false,
    cacheControl: {
      playlist: 'no-cache',
      segment: 'public, max-age=3600',
      page: 'no-cache',
      ...defined(options.cacheControl),
    },
    live: { windowSegments: 6, programDateTime: true, ...defined(options.live) },
    cdn: { totalMbps: null, viewerMbps: null, latencyMs: 0, ...defined(options.cdn) },
    publishHashes: options.publishHashes ?? true,
    rootDir,
    examplesDir: options.examplesDir ?? join(rootDir, 'examples'),
    mediaDir: options.mediaDir ?? join(rootDir, 'examples', 'media', 'out'),
    distDir: options.distDir ?? join(rootDir, 'dist'),
    nodeModulesDir: options.nodeModulesDir ?? join(rootDir, 'node_modules'),
  };
  const { live, cdn } = config;
  check(
    Array.isArray(config.iceServers) && config.iceServers.every((server) => server && 'urls' in server),
    'iceServers',
    '--ice-servers',
    'a JSON array of RTCIceServer objects, each with urls',
  );
  check(
    Number.isInteger(live.windowSegments) && live.windowSegments >= 1,
    'live.windowSegments',
    '--live-window',
    'an integer ≥ 1',
  );
  check(cdn.totalMbps === null || cdn.totalMbps > 0, 'cdn.totalMbps', '--cdn-total-mbps', 'a number > 0');
  check(cdn.viewerMbps === null || cdn.viewerMbps > 0, 'cdn.viewerMbps', '--cdn-viewer-mbps', 'a number > 0');
  check(cdn.latencyMs >= 0, 'cdn.latencyMs', '--cdn-latency-ms', 'a number ≥ 0');
  return config;
}

/** The fields that are set: an unset flag arrives as undefined and must not hide the default. */
function defined<Fields extends object>(fields: Fields | undefined): Partial<Fields> {
  return Object.fromEntries(
    Object.entries(fields ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<Fields>;
}

/** NaN fails every comparison above, so a flag that is not a number is caught here too. */
function check(ok: boolean, field: string, flag: string, expected: string): void {
  if (!ok) throw new OriginError('bad-option', `${field} (${flag}) must be ${expected}`);
}

/** The nearest folder above this module holding Peerlane's package.json: works from the sources and from dist/. */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'peerlane') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('origin: cannot find the Peerlane repository root; pass rootDir');
    dir = parent;
  }
}
