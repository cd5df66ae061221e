// Compares what a player received with the origin's files: any difference means bad bytes reached the player.
import type { MediaSegment } from './stack';
import type { ReceivedSegment } from './viewer';

/** One line per received segment whose bytes differ from the origin's file (or that the origin does not have). */
export function segmentMismatches(
  received: readonly ReceivedSegment[],
  expected: readonly MediaSegment[],
): string[] {
  const byPath = new Map(expected.map((segment) => [segment.path, segment]));
  return received.flatMap((segment) => {
    const path = new URL(segment.url).pathname;
    const original = byPath.get(path);
    if (!original) return [`${path}: not a segment of this rendition`];
    if (segment.sha256 === original.sha256) return [];
    return [
      `${path}: status ${segment.status}, ${segment.bytes} bytes (origin: ${original.size}), different content`,
    ];
  });
}
