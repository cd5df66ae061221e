// The check every fault and integrity test makes of a viewer that must not notice the fault: no player or media
// error, no stall once playing, and only the origin's bytes reached its player.
import { expect } from 'vitest';
import { segmentMismatches } from './segment-check';
import type { MediaSegment } from './stack';
import type { Probe, Viewer } from './viewer';

/** `expected`: the origin's segments of the rendition played; `context`: viewers whose logs explain a failure. */
export function expectCleanPlayback(
  subject: Viewer,
  end: Probe,
  expected: readonly MediaSegment[],
  context: readonly Viewer[],
): void {
  const diagnostics = context.flatMap((each) => each.log()).join('\n');
  expect(subject.problems(), `${subject.name}: errors\n${diagnostics}`).toEqual([]);
  expect(end.mediaErrors, `${subject.name}: media errors`).toEqual([]);
  expect(end.stalls, `${subject.name}: stalls after playback started\n${diagnostics}`).toBe(0);
  expect(end.segments.length, `${subject.name}: segments received`).toBeGreaterThan(0);
  expect(segmentMismatches(end.segments, expected), `${subject.name}: wrong bytes`).toEqual([]);
}
