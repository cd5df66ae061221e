// Maps a request path to what the origin answers with (a file and its caching, the page config, a redirect):
// pure, no file system access, so the routing rules read in one place.
import { extname, join, normalize, sep } from 'node:path';
import { SIDECAR_NAME } from './hash-sidecars';
import type { OriginConfig } from './origin-config';
import type { MediaKind } from './traffic-meter';

export type Route =
  /** `media`: what the CDN model shapes and counts it as; null for pages. */
  | { kind: 'file'; file: string; cacheControl: string; cors: boolean; media: MediaKind | null }
  /** `/media/live/…`: the live stream's master playlist, a rendition's media playlist, or one of its segments. */
  | { kind: 'live'; rendition: string | null; name: string }
  /** `/media/<dir>/peerlane-hashes.json`: an output's hash sidecar (`dir` 'live': the live stream's). */
  | { kind: 'hashes'; dir: string }
  | { kind: 'config' }
  | { kind: 'traffic' }
  | { kind: 'redirect'; location: string }
  | { kind: 'not-found'; hint: string };

/** Which server asks: the site serves everything, the cross-origin "CDN" only media. */
export type Surface = 'site' | 'cdn';

/** `/vendor/<name>/…` → a player library's browser build in node_modules. One row per player. */
const VENDOR: Record<string, string> = {
  'hls.js': 'hls.js/dist',
  dashjs: 'dashjs/dist/modern/umd',
  'shaka-player': 'shaka-player/dist',
  'video.js': 'video.js/dist',
};

/** Built Peerlane scripts, served at the site root so the worker's default scope is the whole site. */
const DIST_FILES = new Set(['peerlane.js', 'peerlane.mjs', 'peerlane-sw.js'].flatMap((f) => [f, `${f}.map`]));

const PLAYLIST_EXTENSIONS = new Set(['.m3u8', '.mpd']);
/** Hash sidecars (hash-sidecars.ts), one per media folder (nested ones too), made at startup or read from files. */
const SIDECAR_PATH = new RegExp(
  `^/media/((?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+)/${SIDECAR_NAME.replace('.', '\\.')}$`,
);
/** The live stream's URL space (served from the VoD files by live-stream.ts, not from a folder). */
const LIVE_PREFIX = '/media/live/';

export function resolveRoute(pathname: string, config: OriginConfig, surface: Surface): Route {
  const path = safeDecode(pathname);
  if (path === null) return { kind: 'not-found', hint: 'malformed path' };

  const sidecar = SIDECAR_PATH.exec(path);
  if (sidecar) return { kind: 'hashes', dir: sidecar[1] as string };
  if (path.startsWith(LIVE_PREFIX)) {
    const parts = path.slice(LIVE_PREFIX.length).split('/');
    if (parts.length === 1 && parts[0] === 'master.m3u8')
      return { kind: 'live', rendition: null, name: 'master.m3u8' };
    const [rendition = '', name = ''] = parts;
    if (parts.length === 2 && rendition && name) return { kind: 'live', rendition, name };
    return { kind: 'not-found', hint: 'the live stream is /media/live/master.m3u8 and its renditions' };
  }
  if (path.startsWith('/media/')) {
    const file = within(config.mediaDir, path.slice('/media/'.length));
    if (!file) return { kind: 'not-found', hint: 'outside the media folder' };
    const isPlaylist = PLAYLIST_EXTENSIONS.has(extname(file).toLowerCase());
    return {
      kind: 'file',
      file,
      cors: true,
      cacheControl: config.cacheControl[isPlaylist ? 'playlist' : 'segment'],
      media: isPlaylist ? 'playlist' : 'segment',
    };
  }
  if (surface === 'cdn') return { kind: 'not-found', hint: 'this CDN serves /media/ only' };

  const page = (file: string | null): Route =>
    file
      ? { kind: 'file', file, cors: false, cacheControl: config.cacheControl.page, media: null }
      : notFound;
  const notFound: Route = { kind: 'not-found', hint: 'no such page' };

  if (path === '/') return { kind: 'redirect', location: '/hls.js/' };
  if (path === '/config.json') return { kind: 'config' };
  if (path === '/traffic.json') return { kind: 'traffic' };
  if (DIST_FILES.has(path.slice(1))) return page(join(config.distDir, path.slice(1)));
  if (path.startsWith('/vendor/')) {
    const [name = '', ...rest] = path.slice('/vendor/'.length).split('/');
    const dir = VENDOR[name];
    return dir ? page(within(join(config.nodeModulesDir, dir), rest.join('/'))) : notFound;
  }
  // Example pages; their TypeScript sources (the origin, the demo) stay private.
  if (extname(path) === '.ts') return notFound;
  return page(within(config.examplesDir, path.endsWith('/') ? `${path}index.html` : path));
}

/** `relative` inside `root`, or null when `..` or an absolute path would leave it. */
function within(root: string, relative: string): string | null {
  const file = normalize(join(root, relative));
  return file.startsWith(normalize(root) + sep) ? file : null;
}

function safeDecode(pathname: string): string | null {
  try {
    const path = decodeURIComponent(pathname);
    return path.includes('\0') ? null : path;
  } catch {
    return null;
  }
}
