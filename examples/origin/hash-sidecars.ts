// The origin's published hashes, made by the code of `npx peerlane-hashes` (sidecars/): the sidecar of each folder
// of every output (`/media/<folder>/peerlane-hashes.json`, which `Peerlane-Hashes: peerlane-hashes.json` on its
// manifests and progressive files names), hashed once at startup; and the live stream's (its current window and
// the one before), built per request from the VoD files' hashes. With `publishHashes: 'files'` it serves instead
// the sidecar files a run of `peerlane-hashes` left next to the media (the live stream then has none).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { type HashSidecarJson, SIDECAR_VERSION } from '../../protocol/hash-sidecar-format';
import { FileDigests } from '../../sidecars/file-digests';
import { assembleSidecars, describeTree, SIDECAR_NAME } from '../../sidecars/plan-sidecars';
import { defaultWorkerSettings } from '../../sw/worker/config';
import type { LiveStream } from './live-stream';

export { SIDECAR_NAME };

/** The live sidecar lists the current window and this many windows before it (players behind live). */
const LIVE_WINDOWS_BEFORE = 1;
const LIVE_HEADER = `/media/live/${SIDECAR_NAME}`;

export interface HashSidecars {
  /** The `Peerlane-Hashes` value for a file served from the media folder (a manifest or progressive file). */
  headerFor(file: string): string | undefined;
  /** The body of `/media/<folder>/peerlane-hashes.json` (`folder` may be nested), undefined for none. */
  sidecar(folder: string): string | undefined;
  /** `Peerlane-Hashes` of the live playlists, undefined when the live stream has no sidecar. */
  liveHeader: string | undefined;
  /** The body of the live sidecar at `nowMs` (Date.now()). */
  liveSidecar(nowMs: number): string | undefined;
}

/** Hashes every output make-media.mjs wrote (out/media.json) as `peerlane-hashes DIR` would, in memory. */
export function publishHashSidecars(mediaDir: string, live: LiveStream): HashSidecars {
  const outputs: Array<{ dir: string }> = JSON.parse(
    readFileSync(join(mediaDir, 'media.json'), 'utf8'),
  ).outputs;
  const digests = new FileDigests();
  const bodies = new Map<string, string>();
  const announcing = new Set<string>();
  const options = { pieceBytes: defaultWorkerSettings.pieceBytes, now: Date.now() };
  for (const { dir } of outputs) {
    // A media folder may hold only some outputs (tests copy what they need): sidecars for those present.
    const root = join(mediaDir, dir);
    if (!existsSync(root)) continue;
    const tree = describeTree(root, options, digests);
    const { sidecars, errors } = assembleSidecars(root, tree);
    const [problem] = [...tree.errors, ...errors];
    if (problem) throw problem;
    for (const sidecar of sidecars)
      bodies.set(join(dir, sidecar.dir).split(sep).join('/'), JSON.stringify(sidecar.json));
    for (const manifest of tree.manifests.keys()) announcing.add(join(root, manifest));
    for (const [folder, files] of tree.files)
      for (const file of files) announcing.add(join(root, folder, decodeURIComponent(file.url)));
  }
  return {
    headerFor: (file) => (announcing.has(file) ? SIDECAR_NAME : undefined),
    sidecar: (folder) => bodies.get(folder),
    liveHeader: LIVE_HEADER,
    liveSidecar: (nowMs) => {
      const segments = live
        .recentSegments(nowMs, LIVE_WINDOWS_BEFORE)
        .map(({ path, file }) => ({ url: path, ...digests.whole(file) }));
      return JSON.stringify({ peerlane: SIDECAR_VERSION, segments } satisfies HashSidecarJson);
    },
  };
}

/** The sidecar files under the media folder, read per request: as an origin serving `peerlane-hashes` output does. */
export function servedHashSidecars(mediaDir: string): HashSidecars {
  const fileOf = (folder: string) => join(mediaDir, folder, SIDECAR_NAME);
  return {
    headerFor: (file) =>
      /\.(m3u8|mpd|mp4|m4v)$/i.test(file) && existsSync(join(dirname(file), SIDECAR_NAME))
        ? SIDECAR_NAME
        : undefined,
    sidecar: (folder) =>
      relative(mediaDir, fileOf(folder)).startsWith('..') || !existsSync(fileOf(folder))
        ? undefined
        : readFileSync(fileOf(folder), 'utf8'),
    liveHeader: undefined,
    liveSidecar: () => undefined,
  };
}
