// Compares whole media files a player received with the origin's copies on disk, for any packaging of the test
// stream (fMP4 HLS, DASH): segment-check.ts does the same against one MPEG-TS rendition's playlist.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReceivedSegment } from './viewer';

/** Where the origin serves its media folder (examples/origin). */
const MEDIA_PATH = '/media/';

/**
 * One line per received file whose bytes differ from the origin's file under `mediaDir` (or that the origin does not
 * have). Only whole-file answers (200) are compared: a 206 is a slice of its file.
 */
export function originMismatches(received: readonly ReceivedSegment[], mediaDir: string): string[] {
  const digests = new Map<string, string | null>();
  const digestOf = (path: string) => {
    if (!digests.has(path)) {
      const file = join(mediaDir, decodeURIComponent(path.slice(MEDIA_PATH.length)));
      digests.set(
        path,
        existsSync(file)
          ? createHash('sha256')
              .update(new Uint8Array(readFileSync(file)))
              .digest('hex')
          : null,
      );
    }
    return digests.get(path);
  };
  return received.flatMap((segment) => {
    const path = new URL(segment.url).pathname;
    if (segment.status !== 200) return segment.status === 206 ? [] : [`${path}: status ${segment.status}`];
    if (!path.startsWith(MEDIA_PATH)) return [`${path}: not under ${MEDIA_PATH}`];
    const expected = digestOf(path);
    if (expected === null) return [`${path}: the origin has no such file`];
    return segment.sha256 === expected ? [] : [`${path}: ${segment.bytes} bytes, different content`];
  });
}
