// Describes every manifest and progressive MP4 under a directory as the sidecars to write: one
// `peerlane-hashes.json` in each folder holding a manifest or an MP4, listing the segments its manifests name
// (URLs relative to the sidecar) and the pieces of its MP4s. A folder's sidecar is what `Peerlane-Hashes:
// peerlane-hashes.json` on any of its manifests names. An MP4 a manifest uses (init, single-file media) is a
// segment source, not a progressive file. Problems are collected per input: the others are still described.
import { join } from 'node:path';
import { type HashSidecarJson, SIDECAR_VERSION } from '../protocol/hash-sidecar-format';
import { workerLimits } from '../sw/worker/config';
import { describeMp4, type FileEntry } from './describe-mp4';
import type { FileDigests } from './file-digests';
import { dirOf, hashManifest, type ManifestHashes, relativeUrl, type SegmentEntry } from './hash-manifest';
import { findMediaFiles } from './media-files';
import { SidecarError } from './sidecar-error';

export const SIDECAR_NAME = 'peerlane-hashes.json';

export interface PlanOptions {
  /** Piece size of progressive files: the viewers' `pieceBytes` (default 1 MiB). */
  pieceBytes: number;
  /** Wall clock (ms) placing a dynamic MPD's window. */
  now: number;
}

/** Everything under the directory, described: manifests by path, MP4 pieces by folder. */
export interface TreeDescription {
  manifests: Map<string, ManifestHashes>;
  files: Map<string, FileEntry[]>;
  /**
   * Folders that get a sidecar: each holds a manifest read well (a master too: its header must not name a missing
   * file) or an MP4. A folder whose every manifest is broken keeps whatever sidecar it had.
   */
  dirs: Set<string>;
  errors: SidecarError[];
  warnings: string[];
}

export interface DirectorySidecar {
  /** Folder relative to the root ('' for the root), `/`-separated. */
  dir: string;
  json: HashSidecarJson;
  hashes: number;
}

export function describeTree(root: string, options: PlanOptions, digests: FileDigests): TreeDescription {
  const { manifests: manifestPaths, mp4s } = findMediaFiles(root);
  const tree: TreeDescription = {
    manifests: new Map(),
    files: new Map(),
    dirs: new Set(),
    errors: [],
    warnings: [],
  };
  for (const manifest of manifestPaths) {
    try {
      tree.manifests.set(manifest, hashManifest(root, manifest, options.now, digests, tree.warnings));
      tree.dirs.add(dirOf(manifest));
    } catch (error) {
      if (!(error instanceof SidecarError)) throw error;
      tree.errors.push(error);
    }
  }
  const sources = new Set([...tree.manifests.values()].flatMap((hashes) => hashes.sources));
  for (const mp4 of mp4s.filter((path) => !sources.has(path))) {
    const dir = dirOf(mp4);
    tree.dirs.add(dir);
    try {
      const entry = describeMp4(join(root, mp4), relativeUrl(dir, mp4, ''), options.pieceBytes, digests);
      tree.files.set(dir, [...(tree.files.get(dir) ?? []), entry]);
    } catch (error) {
      tree.errors.push(new SidecarError('unreadable', join(root, mp4), null, { reason: String(error) }));
    }
  }
  return tree;
}

/** The sidecar of each folder of `tree`; one over the worker's limits is left out, with an error. */
export function assembleSidecars(
  root: string,
  tree: TreeDescription,
): { sidecars: DirectorySidecar[]; errors: SidecarError[] } {
  const sidecars: DirectorySidecar[] = [];
  const errors: SidecarError[] = [];
  for (const dir of [...tree.dirs].sort()) {
    const listed = [...tree.manifests.values()].filter((hashes) => hashes.dir === dir);
    const sidecar = assembleSidecar(dir, listed, tree.files.get(dir) ?? []);
    const problem = checkLimits(root, sidecar);
    if (problem) errors.push(problem);
    else sidecars.push(sidecar);
  }
  return { sidecars, errors };
}

/** One folder's sidecar: the segments its manifests list (each once, in manifest order) and its MP4s' pieces. */
function assembleSidecar(dir: string, manifests: ManifestHashes[], files: FileEntry[]): DirectorySidecar {
  const segments = new Map<string, SegmentEntry>();
  for (const { segments: listed } of manifests)
    for (const entry of listed) segments.set(`${entry.url}#${entry.range?.join('-') ?? ''}`, entry);
  const json: HashSidecarJson = { peerlane: SIDECAR_VERSION, segments: [...segments.values()] };
  if (files.length > 0) json.files = files;
  const hashes = segments.size + files.reduce((sum, file) => sum + file.pieces.length, 0);
  return { dir, json, hashes };
}

/** The worker ignores a sidecar over its limits whole: refuse to write one. */
function checkLimits(root: string, sidecar: DirectorySidecar): SidecarError | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(sidecar.json));
  const { maxOriginHashes: maxHashes, maxHashSidecarBytes: maxBytes } = workerLimits;
  if (sidecar.hashes <= maxHashes && bytes <= maxBytes) return undefined;
  const file = join(root, sidecar.dir, SIDECAR_NAME);
  return new SidecarError('too-many-hashes', file, null, {
    hashes: sidecar.hashes,
    bytes,
    maxHashes,
    maxBytes,
  });
}
