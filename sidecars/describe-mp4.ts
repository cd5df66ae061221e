// A progressive MP4 file's entry in its sidecar: one SHA-256 per piece of `pieceBytes`, the pieces the worker
// cuts the file into when a `<video>` plays it (piece-plan.ts), so viewers can share them.
import type { HashSidecarJson } from '../protocol/hash-sidecar-format';
import { pieceCount, pieceRange } from '../sw/worker/piece-plan';
import type { FileDigests } from './file-digests';

export type FileEntry = NonNullable<HashSidecarJson['files']>[number];

export function describeMp4(file: string, url: string, pieceBytes: number, digests: FileDigests): FileEntry {
  const { size } = digests.whole(file);
  const layout = { size, pieceBytes };
  const pieces = Array.from({ length: pieceCount(layout) }, (_, index) => {
    const { start, end } = pieceRange(layout, index);
    return digests.range(file, start, end).sha256;
  });
  return { url, size, pieceBytes, pieces };
}
