// Reads one manifest (HLS playlist or DASH MPD) under the directory and hashes what it lists: each segment's
// file (or byte range of it), checked to exist under the directory, with its URL relative to the manifest's folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HashSidecarJson } from '../protocol/hash-sidecar-format';
import { describeDashManifest } from './describe-dash';
import { describeHlsPlaylist } from './describe-hls';
import type { FileDigests } from './file-digests';
import type { SegmentSpan } from './segment-span';
import { SidecarError } from './sidecar-error';

/** The directory stands at this made-up URL while manifests are read: only paths under it are files. */
const ROOT_URL = 'http://peerlane-hashes.invalid/dir/';

export type SegmentEntry = NonNullable<HashSidecarJson['segments']>[number];

/** What one manifest contributes: its segments, with URLs relative to its own folder. */
export interface ManifestHashes {
  manifest: string;
  dir: string;
  live: boolean;
  segments: SegmentEntry[];
  /** Files its segments come from (relative to the root). */
  sources: string[];
}

/** The folder of a `/`-separated relative path ('' for the root). */
export function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** Reads and hashes what one manifest lists; throws a SidecarError naming the manifest (and line or element). */
export function hashManifest(
  root: string,
  manifest: string,
  now: number,
  digests: FileDigests,
  warnings: string[],
): ManifestHashes {
  const file = join(root, manifest);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SidecarError('unreadable', file, null, { reason: String((error as Error).message) });
  }
  const url = new URL(manifest.split('/').map(encodeURIComponent).join('/'), ROOT_URL).href;
  const locate = (span: SegmentSpan) => locateSpan(root, file, span, digests);
  const description = manifest.toLowerCase().endsWith('.mpd')
    ? describeDashManifest(text, url, file, now, (span) => {
        const { path, range } = locate(span);
        const data = readFileSync(join(root, path)).subarray(range.start, range.end + 1);
        return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      })
    : describeHlsPlaylist(text, url, file);
  const dir = dirOf(manifest);
  const hashes: ManifestHashes = { manifest, dir, live: false, segments: [], sources: [] };
  if (description.kind === 'master') return hashes;
  hashes.live = description.live;
  const sources = new Set<string>();
  for (const span of description.entries) {
    if (!span.url.startsWith(ROOT_URL)) {
      warnings.push(
        `${file}${span.where ? ` (${span.where})` : ''}: '${span.url}' is not under the directory: not hashed`,
      );
      continue;
    }
    const { path, range } = locate(span);
    sources.add(path);
    const digest = span.range
      ? digests.range(join(root, path), range.start, range.end)
      : digests.whole(join(root, path));
    const relative = relativeUrl(dir, path, new URL(span.url).search);
    hashes.segments.push(
      span.range
        ? { url: relative, range: [range.start, range.end], ...digest }
        : { url: relative, ...digest },
    );
  }
  hashes.sources = [...sources];
  return hashes;
}

/** The file a span names (relative to the root) and its byte range, checked against the file. */
function locateSpan(root: string, manifestFile: string, span: SegmentSpan, digests: FileDigests) {
  const url = new URL(span.url);
  const path = decodeURIComponent(url.pathname.slice(new URL(ROOT_URL).pathname.length));
  const size = url.href.startsWith(ROOT_URL) ? digests.sizeOf(join(root, path)) : undefined;
  if (size === undefined)
    throw new SidecarError('missing-file', manifestFile, span.where, { uri: span.url.replace(ROOT_URL, '') });
  const range = span.range ?? { start: 0, end: size - 1 };
  if (range.end >= size)
    throw new SidecarError('range-outside-file', manifestFile, span.where, {
      uri: path,
      range: `${range.start}-${range.end}`,
      size,
    });
  return { path, range };
}

/** URL of `path` (relative to the root) from folder `dir`, percent-encoded, with the manifest's query kept. */
export function relativeUrl(dir: string, path: string, search: string): string {
  const from = dir ? dir.split('/') : [];
  const to = path.split('/');
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  const up = from.slice(common).map(() => '..');
  return (
    [...up, ...to.slice(common)].map((part) => (part === '..' ? part : encodeURIComponent(part))).join('/') +
    search
  );
}
