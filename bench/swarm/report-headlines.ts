// The headline figures of a swarm report — each run's value as text and how Peerlane compares — shared by the
// HTML report and the table printed on stdout.
import { compare } from './report-comparison';
import { PHASE_LABELS, STARTUP_PHASES } from './startup-phases';
import type { RunFigures } from './summarize-run';

export const formatters = {
  percent: (share: number) => `${(share * 100).toFixed(1)} %`,
  seconds: (value: number) => `${value.toFixed(1)} s`,
  ms: (value: number | null) => (value === null ? '–' : `${Math.round(value)} ms`),
  megabytes: (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`,
  count: (value: number) => String(value),
};

const f = formatters;

/** The difference as text and the ratio (Peerlane / CDN only), e.g. "+40 ms (1.05×)". */
const differenceAndRatio =
  (format: (difference: number) => string): Compare =>
  (cdnOnly, peerlane) => {
    const { difference, ratio } = compare(cdnOnly, peerlane);
    const sign = (difference ?? 0) >= 0 ? '+' : '−';
    return `${sign}${format(Math.abs(difference ?? 0))}${ratio === null ? '' : ` (${ratio.toFixed(2)}×)`}`;
  };
const msRatio = differenceAndRatio((ms) => `${Math.round(ms)} ms`);
const secRatio = differenceAndRatio((sec) => `${sec.toFixed(3)} s`);
/** CPU seconds per MB as text ('–' when unread). */
const secText = (sec: number | null) => (sec === null ? '–' : `${sec.toFixed(3)} s`);

/** How Peerlane's figure compares with the CDN-only one, for the headline table. */
type Compare = (cdnOnly: number, peerlane: number) => string;
const lessIsBetter: Compare = (cdnOnly, peerlane) => {
  if (cdnOnly === peerlane) return 'same';
  if (peerlane === 0) return 'none left';
  if (cdnOnly === 0) return 'higher';
  return cdnOnly > peerlane
    ? `${(cdnOnly / peerlane).toFixed(1)}× lower`
    : `${(peerlane / cdnOnly).toFixed(1)}× higher`;
};
const percentChange: Compare = (cdnOnly, peerlane) =>
  cdnOnly === 0
    ? '–'
    : `${peerlane >= cdnOnly ? '+' : '−'}${Math.abs((100 * (peerlane - cdnOnly)) / cdnOnly).toFixed(0)} %`;

/** The Chromium processes whose share of the CPU per MB the table shows (see machine-load.ts' processKind). */
const CPU_BY_PROCESS = [
  ['renderer', 'renderers (pages, service workers, WebRTC, decoding)'],
  ['gpu-process', 'GPU process (compositing)'],
  ['networkservice', 'network service (HTTP, UDP sockets)'],
  ['browser', 'browser process (IndexedDB, IPC)'],
] as const;

/** Headline rows: label, each run's figure as text, and (for numbers) how Peerlane compares. */
export const HEADLINES: Array<{
  label: string;
  value: (run: RunFigures) => string;
  compare?: { of: (run: RunFigures) => number | null; as: Compare };
}> = [
  { label: 'Offload (P2P share of segment bytes)', value: (run) => f.percent(run.offload) },
  {
    label: 'CDN segment bytes (origin counter)',
    value: (run) => f.megabytes(run.cdnSegmentBytes),
    compare: { of: (run) => run.cdnSegmentBytes, as: percentChange },
  },
  {
    label: 'Stalls',
    value: (run) => f.count(run.stalls),
    compare: { of: (run) => run.stalls, as: lessIsBetter },
  },
  {
    label: 'Stall time',
    value: (run) => f.seconds(run.stallSeconds),
    compare: { of: (run) => run.stallSeconds, as: lessIsBetter },
  },
  {
    label: 'Startup, median time to first frame',
    value: (run) => f.ms(run.startupMs),
    compare: { of: (run) => run.startupMs, as: msRatio },
  },
  ...STARTUP_PHASES.map((phase) => ({
    label: `  startup: ${PHASE_LABELS[phase]}`,
    value: (run: RunFigures) => f.ms(run.startupPhasesMs[phase]),
    compare: { of: (run: RunFigures) => run.startupPhasesMs[phase], as: msRatio },
  })),
  {
    label: 'Dropped frames (all viewers)',
    value: (run) => f.percent(run.droppedFrameShare),
    compare: {
      of: (run) => run.droppedFrameShare,
      as: differenceAndRatio((share) => `${(share * 100).toFixed(1)} pp`),
    },
  },
  {
    label: 'Chromium CPU per delivered MB',
    value: (run) => secText(run.cpuSecPerMB),
    compare: { of: (run) => run.cpuSecPerMB, as: secRatio },
  },
  {
    label: '… of which pages’ main threads',
    value: (run) => secText(run.pageCpuSecPerMB),
    compare: { of: (run) => run.pageCpuSecPerMB, as: secRatio },
  },
  ...CPU_BY_PROCESS.map(([kind, label]) => {
    const of = (run: RunFigures) =>
      run.cpuSecPerMBByKind === null ? null : (run.cpuSecPerMBByKind[kind] ?? 0);
    return {
      label: `… ${label}`,
      value: (run: RunFigures) => secText(of(run)),
      compare: { of, as: secRatio },
    };
  }),
  { label: 'Bitrate switches', value: (run) => f.count(run.bitrateSwitches) },
  { label: 'Viewers that never played', value: (run) => f.count(run.neverStarted) },
  {
    label: 'Player errors (non-fatal too) / wrong segment bytes',
    value: (run) => `${run.errors} / ${run.wrongSegments}`,
  },
  { label: 'Machine CPU busy, mean', value: (run) => f.percent(run.cpuBusyMean) },
  {
    label: '… of which this run’s processes',
    value: (run) => (run.ownCpuMean === null ? '–' : f.percent(run.ownCpuMean)),
  },
];

/** The change column of a headline row. */
export function compareRuns(
  row: (typeof HEADLINES)[number],
  report: { cdnOnly: RunFigures; peerlane: RunFigures },
): string {
  if (!row.compare) return '';
  const [before, after] = [row.compare.of(report.cdnOnly), row.compare.of(report.peerlane)];
  return before === null || after === null ? '–' : row.compare.as(before, after);
}
