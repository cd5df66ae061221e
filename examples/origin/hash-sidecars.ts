// The origin's published hashes: one sidecar per media output (`/media/<dir>/peerlane-hashes.json`) and one for
// the live stream, named by the `Peerlane-Hashes` header on manifests and the progressive file. Hashed once at
// startup (the live sidecar reuses the VoD files' hashes); requests only serialise what is ready.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HashSidecarJson, SIDECAR_VERSION } from '../../protocol/hash-sidecar-format';
import { defaultWorkerSettings, workerLimits } from '../../sw/worker/config';
import { parseDashManifest } from '../../sw/worker/dash-manifest';
import { parseHlsPlaylist } from '../../sw/worker/hls-playlist';
import { pieceCount, pieceRange } from '../../sw/worker/piece-plan';
import type { MediaEntry } from '../../sw/worker/rendition';
import type { LiveStream } from './live-stream';

export const SIDECAR_NAME = 'peerlane-hashes.json';
/** The live sidecar lists the current window and this many windows before it (players behind live). */
const LIVE_WINDOWS_BEFORE = 1;
/** Manifests are parsed at this made-up origin; only paths matter. */
const BASE = 'http://origin';

export interface HashSidecars {
  /** The `Peerlane-Hashes` value for a file served from the media folder (a manifest or progressive file). */
  headerFor(file: string): string | undefined;
  /** The body of `/media/<dir>/peerlane-hashes.json`, undefined for a folder without one. */
  sidecar(dir: string): string | undefined;
  /** `Peerlane-Hashes` of the live playlists. */
  liveHeader: string;
  /** The body of the live sidecar at `nowMs` (Date.now()). */
  liveSidecar(nowMs: number): string;
}

type Digest = { size: number; sha256: string };
type SegmentHash = NonNullable<HashSidecarJson['segments']>[number];

/** Reads every output make-media.mjs wrote (out/media.json) and hashes what its manifests list. */
export function publishHashSidecars(mediaDir: string, live: LiveStream): HashSidecars {
  const outputs: Array<{ dir: string; entry: string }> = JSON.parse(
    readFileSync(join(mediaDir, 'media.json'), 'utf8'),
  ).outputs;
  const digests = new FileDigests();
  const headers = new Map<string, string>();
  const bodies = new Map<string, string>();
  for (const { dir, entry } of outputs) {
    // A media folder may hold only some outputs (tests copy what they need): sidecars for those present.
    if (!existsSync(join(mediaDir, dir, entry))) continue;
    const header = `/media/${dir}/${SIDECAR_NAME}`;
    const { announcedBy, sidecar } = describeOutput(mediaDir, dir, entry, digests);
    bodies.set(dir, JSON.stringify(sidecar));
    for (const file of announcedBy) headers.set(file, header);
  }
  return {
    headerFor: (file) => headers.get(file),
    sidecar: (dir) => bodies.get(dir),
    liveHeader: `/media/live/${SIDECAR_NAME}`,
    liveSidecar: (nowMs) => {
      const segments = live
        .recentSegments(nowMs, LIVE_WINDOWS_BEFORE)
        .map(({ path, file }) => ({ url: path, ...digests.whole(file) }));
      return JSON.stringify({ peerlane: SIDECAR_VERSION, segments } satisfies HashSidecarJson);
    },
  };
}

/** One output's sidecar, and the files whose responses announce it (its manifests, or the progressive file). */
function describeOutput(mediaDir: string, dir: string, entry: string, digests: FileDigests) {
  const base = `${BASE}/media/${dir}/`;
  const fileOf = (url: string) =>
    join(mediaDir, decodeURIComponent(new URL(url).pathname.slice('/media/'.length)));
  const entryUrl = new URL(entry, base).href;
  const entryFile = fileOf(entryUrl);
  if (!entry.endsWith('.m3u8') && !entry.endsWith('.mpd')) {
    const { size } = digests.whole(entryFile);
    const pieceBytes = defaultWorkerSettings.pieceBytes;
    const pieces = Array.from({ length: pieceCount({ size, pieceBytes }) }, (_, index) => {
      const { start, end } = pieceRange({ size, pieceBytes }, index);
      return digests.range(entryFile, start, end).sha256;
    });
    const sidecar: HashSidecarJson = {
      peerlane: SIDECAR_VERSION,
      files: [{ url: entry, size, pieceBytes, pieces }],
    };
    return { announcedBy: [entryFile], sidecar };
  }
  const announcedBy = [entryFile];
  const entries: MediaEntry[] = [];
  const text = readFileSync(entryFile, 'utf8');
  if (entry.endsWith('.mpd')) {
    const { renditions } = parseDashManifest(text, entryUrl, entryUrl, {
      now: Date.now(),
      volatileParams: [],
      maxSegments: workerLimits.maxSegmentsPerPlaylist,
      maxLiveWindowSec: workerLimits.maxLiveWindowSec,
    });
    for (const rendition of renditions) {
      entries.push(...rendition.entries);
      // Index (sidx) ranges are segments to the worker too: players fetch them before the media.
      entries.push(
        ...rendition.indexes.map(({ url, range }) => ({ url, range, durationSec: 0, sequence: -1 })),
      );
    }
  } else {
    const master = parseHlsPlaylist(text, entryUrl);
    for (const url of master?.type === 'master' ? master.playlistUrls : []) {
      const media = parseHlsPlaylist(readFileSync(fileOf(url), 'utf8'), url);
      if (media?.type !== 'media') continue;
      announcedBy.push(fileOf(url));
      entries.push(...media.entries);
    }
  }
  const segments = new Map<string, SegmentHash>();
  for (const { url, range } of entries) {
    if (!url.startsWith(base)) continue; // not this output's own file
    const relative = url.slice(base.length);
    const file = fileOf(url);
    const digest = range ? digests.range(file, range.start, range.end) : digests.whole(file);
    const hash = range
      ? { url: relative, range: [range.start, range.end] as [number, number], ...digest }
      : { url: relative, ...digest };
    segments.set(`${relative}#${range?.start ?? ''}`, hash);
  }
  return {
    announcedBy,
    sidecar: { peerlane: SIDECAR_VERSION, segments: [...segments.values()] } satisfies HashSidecarJson,
  };
}

/** SHA-256 of files and byte ranges of them, each file read once. */
class FileDigests {
  private readonly wholes = new Map<string, Digest>();
  private readonly contents = new Map<string, Uint8Array>();

  whole(file: string): Digest {
    let digest = this.wholes.get(file);
    if (!digest) {
      const data = this.read(file);
      digest = { size: data.byteLength, sha256: sha256(data) };
      this.wholes.set(file, digest);
    }
    return digest;
  }

  range(file: string, start: number, end: number): Digest {
    const data = this.read(file).subarray(start, end + 1);
    if (data.byteLength !== end - start + 1) throw new Error(`${file} has no bytes ${start}-${end}`);
    return { size: data.byteLength, sha256: sha256(data) };
  }

  private read(file: string): Uint8Array {
    let data = this.contents.get(file);
    if (!data) {
      // A plain Uint8Array: Node's Buffer type does not satisfy crypto's BinaryLike under TypeScript 5.9's libs.
      data = new Uint8Array(readFileSync(file));
      // Only the file being sliced is kept: outputs list one file's ranges together.
      this.contents.clear();
      this.contents.set(file, data);
    }
    return data;
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
