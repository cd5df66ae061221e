// Settings of the local test origin: every field, its default, and the one place they are merged.
// CLI flags (examples/origin/main.ts) and startOrigin() options map onto these fields one to one.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CacheControlConfig {
  /** Playlists and manifests (.m3u8, .mpd). Default 'no-cache' (revalidate: a live window moves). */
  playlist: string;
  /** Media segments and files. Default 'public, max-age=3600'. Not immutable: make-media may regenerate them. */
  segment: string;
  /** Pages, scripts, config. Default 'no-cache' (a dev server: edits show on reload). */
  page: string;
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
  /** Log one line per request to stdout. Default false. */
  log: boolean;
  /** Cache-Control per kind of response. */
  cacheControl: CacheControlConfig;
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
// Later modes extend this object rather than the servers: a live window over the VoD segments (`live`),
// a constrained CDN (`cdn: { perViewerKbps, totalKbps, latencyMs }`) applied where media bytes are written.

export type OriginOptions = Partial<Omit<OriginConfig, 'cacheControl'>> & {
  cacheControl?: Partial<CacheControlConfig>;
};

export function resolveOriginConfig(options: OriginOptions = {}): OriginConfig {
  const rootDir = options.rootDir ?? findRepoRoot();
  return {
    port: options.port ?? 8080,
    cdnPort: options.cdnPort ?? null,
    host: options.host ?? 'localhost',
    signal: options.signal ?? null,
    log: options.log ?? false,
    cacheControl: {
      playlist: 'no-cache',
      segment: 'public, max-age=3600',
      page: 'no-cache',
      ...options.cacheControl,
    },
    rootDir,
    examplesDir: options.examplesDir ?? join(rootDir, 'examples'),
    mediaDir: options.mediaDir ?? join(rootDir, 'examples', 'media', 'out'),
    distDir: options.distDir ?? join(rootDir, 'dist'),
    nodeModulesDir: options.nodeModulesDir ?? join(rootDir, 'node_modules'),
  };
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
