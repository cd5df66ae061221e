// Peerlane's run against CDN only in the same invocation, figure by figure: the difference and the ratio
// (Peerlane / CDN only). report.json carries them as `comparison`; the change column of the tables shows them.
import { STARTUP_PHASES, type StartupPhase } from './startup-phases';
import type { RunFigures } from './summarize-run';

export interface Comparison {
  cdnOnly: number | null;
  peerlane: number | null;
  /** Peerlane − CDN only. */
  difference: number | null;
  /** Peerlane / CDN only; null when either is unknown or CDN only's is 0. */
  ratio: number | null;
}

export type ComparedFigure =
  | 'startupMs'
  | `startup.${StartupPhase}`
  | 'stalls'
  | 'stallSeconds'
  | 'droppedFrameShare'
  | 'cpuSecPerMB'
  | 'pageCpuSecPerMB'
  | 'offload';

/** Each compared figure of a run. */
export const COMPARED: Record<ComparedFigure, (run: RunFigures) => number | null> = {
  startupMs: (run) => run.startupMs,
  ...(Object.fromEntries(
    STARTUP_PHASES.map((phase) => [`startup.${phase}`, (run: RunFigures) => run.startupPhasesMs[phase]]),
  ) as Record<`startup.${StartupPhase}`, (run: RunFigures) => number | null>),
  stalls: (run) => run.stalls,
  stallSeconds: (run) => run.stallSeconds,
  droppedFrameShare: (run) => run.droppedFrameShare,
  cpuSecPerMB: (run) => run.cpuSecPerMB,
  pageCpuSecPerMB: (run) => run.pageCpuSecPerMB,
  offload: (run) => run.offload,
};

export function compare(cdnOnly: number | null, peerlane: number | null): Comparison {
  const known = cdnOnly !== null && peerlane !== null;
  return {
    cdnOnly,
    peerlane,
    difference: known ? peerlane - cdnOnly : null,
    ratio: known && cdnOnly !== 0 ? peerlane / cdnOnly : null,
  };
}

export function compareRunFigures(
  cdnOnly: RunFigures,
  peerlane: RunFigures,
): Record<ComparedFigure, Comparison> {
  const entries = Object.entries(COMPARED).map(([name, pick]) => [
    name,
    compare(pick(cdnOnly), pick(peerlane)),
  ]);
  return Object.fromEntries(entries) as Record<ComparedFigure, Comparison>;
}
