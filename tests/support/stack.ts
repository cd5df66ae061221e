// Starts what a browser test plays against: the test media (generated if missing), a signal server process
// and the local origin with its cross-origin CDN, all on free ports. Builds nothing: dist/ must exist.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { OriginOptions } from '../../examples/origin/origin-config';
import { type RunningOrigin, startOrigin } from '../../examples/origin/start-origin';
import { type SignalProcess, startSignalProcess } from './signal-process';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
const MAKE_MEDIA = join(ROOT, 'examples', 'media', 'make-media.mjs');
const PEERLANE_FILES = ['peerlane.js', 'peerlane-sw.js'];

export interface StackOptions {
  /**
   * Serve the Peerlane scripts from a private copy of dist/ (its path is `Stack.distDir`), so a test can
   * change the worker script while pages run. Default false: dist/ itself.
   */
  privateDist?: boolean;
  /** Origin settings (the live window, the constrained-CDN model); ports, signal and dist are the stack's. */
  origin?: Omit<OriginOptions, 'port' | 'cdnPort' | 'signal' | 'distDir'>;
  /** Extra signal server flags after `--port 0`, e.g. `['--hash-quorum', '2']`. Default: none. */
  signal?: string[];
  /**
   * Address the origin and the signal server listen on and pages use, e.g. the network lab's services
   * address. Default 'localhost' (the signal server on all interfaces).
   */
  host?: string;
}

/** An example page (examples/<page>/) and its query parameters (see examples/shared/page-settings.js). */
export interface PageParams {
  /** Folder of the example page. Default 'hls.js'. */
  page?: string;
  /** The page's `format` parameter: which packaging of the test stream it plays (see its main.js). */
  format?: string;
  p2p?: boolean;
  /** Pin this rendition (0 = lowest) instead of ABR. */
  level?: number;
  /** How far ahead the player buffers, seconds (hls.js maxBufferLength). */
  buffer?: number;
  /** Load the media from the cross-origin CDN. */
  cdn?: boolean;
  /** Playlist to play instead of the VoD, e.g. '/media/live/master.m3u8'. */
  src?: string;
  /**
   * 'ready' (the default here): Peerlane first — the page (`?wait=ready`) creates its player once the worker
   * controls it, so every request of a first visit goes through the worker: the tests count what a viewer's worker
   * saw, cached, voted for or got from peers, over a 30 s VoD that hls.js loads in its first seconds. 'playback': the
   * page's own default — the player starts alone and Peerlane joins after its first frame (first-visit.test.ts, and
   * the swarm harness, so live-swarm.test.ts too).
   */
  wait?: 'ready' | 'playback';
}

/** One segment of the test stream as the origin serves it. */
export interface MediaSegment {
  /** Path under the origin, e.g. '/media/hls/360p/seg-003.ts'. */
  path: string;
  size: number;
  sha256: string;
}

export interface Stack {
  origin: RunningOrigin;
  signal: SignalProcess;
  signalUrl: string;
  distDir: string;
  /** An example page (default the hls.js one) with these parameters, pointed at this stack's signal server. */
  pageUrl(params?: PageParams): string;
  /** The segments of one rendition (e.g. '360p') in playlist order, read from the generated files. */
  segments(rendition: string): MediaSegment[];
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  for (const file of PEERLANE_FILES) {
    if (!existsSync(join(DIST, file)))
      throw new Error(`dist/${file} is missing: run \`node build.mjs\` first`);
  }
  await ensureMedia();
  const distDir = options.privateDist ? copyDist() : DIST;
  const host = options.host ?? 'localhost';
  const hostArgs = options.host === undefined ? [] : ['--host', host];
  const signal = await startSignalProcess({ args: ['--port', '0', ...hostArgs, ...(options.signal ?? [])] });
  const signalUrl = `ws://${host}:${signal.port}/`;
  let origin: RunningOrigin;
  try {
    origin = await startOrigin({ ...options.origin, host, port: 0, cdnPort: 0, signal: signalUrl, distDir });
  } catch (error) {
    await signal.stop();
    throw error;
  }
  const mediaDir = origin.config.mediaDir;

  return {
    origin,
    signal,
    signalUrl,
    distDir,
    pageUrl(params = {}) {
      const query = new URLSearchParams();
      if (params.p2p === false) query.set('p2p', 'off');
      if (params.level !== undefined) query.set('level', String(params.level));
      if (params.buffer !== undefined) query.set('buffer', String(params.buffer));
      if (params.cdn) query.set('cdn', '');
      if (params.src !== undefined) query.set('src', params.src);
      if (params.format !== undefined) query.set('format', params.format);
      if ((params.wait ?? 'ready') === 'ready') query.set('wait', 'ready');
      const search = query.size ? `?${query}` : '';
      return `${origin.url}/${params.page ?? 'hls.js'}/${search}`;
    },
    segments: (rendition) => mediaSegments(mediaDir, rendition),
    async close() {
      await Promise.all([origin.close(), signal.stop()]);
      if (distDir !== DIST) rmSync(distDir, { recursive: true, force: true });
    },
  };
}

/** Runs make-media (a no-op in ~0.1 s when the media is up to date). */
export async function ensureMedia(): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [MAKE_MEDIA], { timeout: 120_000 });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`test media: ${stderr?.trim() || message}`);
  }
}

/** The segments of one rendition of the generated HLS stream, in playlist order. */
export function mediaSegments(mediaDir: string, rendition: string): MediaSegment[] {
  const dir = join(mediaDir, 'hls', rendition);
  const playlist = readFileSync(join(dir, 'index.m3u8'), 'utf8');
  // Our own VoD playlists (examples/media/make-media.mjs): one relative URI per line that is not a tag.
  return playlist
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((name) => {
      const bytes = new Uint8Array(readFileSync(join(dir, name)));
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return { path: `/media/hls/${rendition}/${name}`, size: bytes.byteLength, sha256 };
    });
}

function copyDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'peerlane-dist-'));
  for (const file of readdirSync(DIST).filter((name) => name.startsWith('peerlane'))) {
    copyFileSync(join(DIST, file), join(dir, file));
  }
  return dir;
}
