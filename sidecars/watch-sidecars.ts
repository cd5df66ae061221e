// `peerlane-hashes --watch`: keeps the sidecars of a live packager's output current. Every interval the manifests
// are checked; a changed one is read again and its folder's sidecar rewritten with the current window plus the
// one before it (segments the playlist dropped stay listed a window longer, for viewers behind live).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { FileDigests } from './file-digests';
import { dirOf, hashManifest, type ManifestHashes, type SegmentEntry } from './hash-manifest';
import { findMediaFiles } from './media-files';
import { assembleSidecars, describeTree, type PlanOptions, type TreeDescription } from './plan-sidecars';
import { SidecarError } from './sidecar-error';
import { writeSidecar } from './write-sidecar';

export interface WatchReport {
  wrote(path: string, hashes: number): void;
  error(error: SidecarError): void;
  warning(line: string): void;
}

/** One live manifest's window: what it lists now, and what it stopped listing lately (a window's worth). */
interface Window {
  stamp: string;
  current: ManifestHashes;
  retired: SegmentEntry[];
}

const keyOf = (entry: SegmentEntry) => `${entry.url}#${entry.range?.join('-') ?? ''}`;

export function watchSidecars(
  root: string,
  options: Omit<PlanOptions, 'now'> & { intervalMs: number },
  report: WatchReport,
): { close(): void } {
  const digests = new FileDigests();
  const windows = new Map<string, Window>();
  const tree: TreeDescription = describeTree(root, { ...options, now: Date.now() }, digests);
  for (const error of tree.errors) report.error(error);
  for (const warning of tree.warnings) report.warning(warning);
  for (const [manifest, hashes] of tree.manifests)
    windows.set(manifest, { stamp: stampOf(join(root, manifest)), current: hashes, retired: [] });
  write(new Set(tree.dirs));

  function write(dirs: Set<string>): void {
    const manifests = new Map(
      [...windows].map(([manifest, { current, retired }]) => [
        manifest,
        { ...current, segments: [...retired, ...current.segments] },
      ]),
    );
    const changed: TreeDescription = { ...tree, manifests, dirs, errors: [], warnings: [] };
    const { sidecars, errors } = assembleSidecars(root, changed);
    for (const error of errors) report.error(error);
    for (const sidecar of sidecars) {
      const { path, written } = writeSidecar(root, sidecar);
      if (written) report.wrote(path, sidecar.hashes);
    }
  }

  /** Reads again the manifests whose file changed; rewrites the sidecars of their folders. */
  function poll(): void {
    const dirs = new Set<string>();
    const present = findMediaFiles(root).manifests;
    for (const manifest of windows.keys())
      if (!present.includes(manifest)) {
        windows.delete(manifest);
        dirs.add(dirOf(manifest));
      }
    for (const manifest of present) {
      const stamp = stampOf(join(root, manifest));
      const known = windows.get(manifest);
      if (known?.stamp === stamp) continue;
      try {
        const warnings: string[] = [];
        const current = hashManifest(root, manifest, Date.now(), digests, warnings);
        for (const warning of warnings) report.warning(warning);
        windows.set(manifest, { stamp, current, retired: retire(known, current) });
      } catch (error) {
        // Read mid-write, or broken: its last good window stays listed; the next change is read again.
        if (!(error instanceof SidecarError)) throw error;
        report.error(error);
        if (known) known.stamp = stamp;
      }
      tree.dirs.add(dirOf(manifest));
      dirs.add(dirOf(manifest));
    }
    if (dirs.size === 0) return;
    write(dirs);
    digests.retain(
      new Set(
        [...windows.values()].flatMap(({ current }) => current.sources.map((source) => join(root, source))),
      ),
    );
  }

  const timer = setInterval(poll, options.intervalMs);
  return { close: () => clearInterval(timer) };
}

/** A live manifest's retired segments: those it no longer lists, the newest window's worth of them. */
function retire(known: Window | undefined, current: ManifestHashes): SegmentEntry[] {
  if (!known || !current.live) return [];
  const listed = new Set(current.segments.map(keyOf));
  const dropped = known.current.segments.filter((entry) => !listed.has(keyOf(entry)));
  const retired = [...known.retired.filter((entry) => !listed.has(keyOf(entry))), ...dropped];
  return retired.slice(-current.segments.length);
}

function stampOf(file: string): string {
  try {
    const stats = statSync(file);
    return `${stats.size}:${stats.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
