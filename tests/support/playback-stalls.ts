// Counts the stalls a viewer saw while playing, in a form that holds for Firefox too: Firefox fires `waiting` when an
// MSE stream reaches its end (never followed by `playing`, seen without Peerlane as well), and its decoder may wait a
// moment in the first frames; neither is a stall.
import type { Probe } from './viewer';

/** Page-time spans (performance.now()) whose waits are expected, e.g. a seek's. */
export type ExcusedSpan = readonly [from: number, to: number];

/** The first second after the first frame is start-up: a wait there is the decoder's, not the network's. */
const STARTUP_MS = 1000;

/** Stalls that started after start-up and outside `excused`, and ended with playback going on. */
export function playbackStalls(end: Probe, excused: readonly ExcusedSpan[] = []): number {
  const playingFrom = (end.firstPlayAt ?? Number.POSITIVE_INFINITY) + STARTUP_MS;
  return end.stallSpans.filter(
    (span) =>
      span.end !== null &&
      span.start >= playingFrom &&
      !excused.some(([from, to]) => span.start >= from && span.start < to),
  ).length;
}
