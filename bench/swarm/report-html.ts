// The swarm report as one self-contained HTML page: the headline figures side by side, the charts of both
// runs on shared scales (bytes by source, buffer per viewer, stalls, machine load), and per-viewer tables.
import type { ComparedFigure, Comparison } from './report-comparison';
import { compareRuns, formatters as f, HEADLINES } from './report-headlines';
import { type LabSummary, labSection } from './report-lab';
import { matchingSection } from './report-matching';
import { RATE_WINDOW_SEC, type RunFigures, type ViewerFigures } from './summarize-run';
import { escapeHtml, rowsChart, timeChart } from './svg-chart';
import type { SwarmSettings } from './swarm-settings';

export interface SwarmReport {
  cdnOnly: RunFigures;
  /** With Peerlane; in the lab, the signal server matching peers by network (--ranking matching). */
  peerlane: RunFigures;
  /** Lab only: the same again with --ranking random, for comparison; null otherwise. */
  random: RunFigures | null;
  /** Peerlane against CDN only, figure by figure (difference and ratio). */
  comparison: Record<ComparedFigure, Comparison>;
  settings: SwarmSettings & {
    renditions: Array<{ name: string; kbps: number }>;
    machine: { cpus: number; cpuModel: string; memoryBytes: number };
    finishedAt: string;
  };
  /** The network lab the viewers ran in (--lab), or why they did not; null without --lab. */
  lab: LabSummary | null;
}

const COLORS = {
  http: '#e8863a',
  p2p: '#1f9e89',
  cache: '#7b5ea7',
  egress: '#333',
  cap: '#c0392b',
  stall: '#d62728',
};
const VIEWER_COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#393b79',
  '#637939',
  '#843c39',
];

function charts(
  run: RunFigures,
  scales: { t: number; mbps: number; buffer: number },
  capMbps: number | null,
) {
  const { timelines } = run;
  const x = { label: 'time since the first viewer joined (s)', max: scales.t };
  const series = (values: number[]) => timelines.t.map((t, i) => [t, values[i] ?? 0] as [number, number]);
  const bytes = timeChart({
    x,
    y: { label: `Mbit/s (${RATE_WINDOW_SEC} s average)`, max: scales.mbps },
    areas: [
      { label: 'from the CDN', color: COLORS.http, points: series(timelines.mbps.http) },
      { label: 'from peers', color: COLORS.p2p, points: series(timelines.mbps.p2p) },
      { label: 'from local cache', color: COLORS.cache, points: series(timelines.mbps.cache) },
    ],
    lines: [
      {
        label: 'origin egress',
        color: COLORS.egress,
        points: series(timelines.mbps.cdnEgress),
        dashed: true,
      },
    ],
    rules: capMbps === null ? [] : [{ label: `CDN cap ${capMbps} Mbit/s`, y: capMbps, color: COLORS.cap }],
  });
  const buffer = timeChart({
    x,
    y: { label: 'buffered ahead (s)', max: scales.buffer },
    lines: Object.entries(timelines.buffer).map(([viewer, points], i) => ({
      label: viewer,
      color: VIEWER_COLORS[i % VIEWER_COLORS.length] as string,
      points,
    })),
    spans: {
      label: 'a viewer stalled',
      color: COLORS.stall,
      ranges: timelines.stalls.map((s) => [s.start, s.end]),
    },
  });
  const stalls = rowsChart({
    x,
    rows: run.viewers.map((viewer) => ({
      label: viewer.name,
      from: viewer.joinedAtSec,
      to: viewer.leftAtSec ?? scales.t,
      marks: timelines.stalls.filter((s) => s.viewer === viewer.name).map((s) => [s.start, s.end]),
    })),
    markLabel: 'stalled',
    markColor: COLORS.stall,
  });
  const cpu = timeChart(
    {
      x,
      y: { label: 'CPU busy (%)', max: 100 },
      lines: [
        {
          label: 'all processes',
          color: COLORS.egress,
          points: series(timelines.cpuBusy.map((v) => v * 100)),
        },
        {
          label: 'this run (Chromium, origin, signal)',
          color: COLORS.p2p,
          points: series(timelines.ownCpu.map((v) => (v ?? 0) * 100)),
        },
      ],
    },
    160,
  );
  return { bytes, buffer, stalls, cpu };
}

function viewerTable(viewers: ViewerFigures[]): string {
  const head = [
    'viewer',
    'joined',
    'left',
    'offload',
    'stalls',
    'stall time',
    'first segment',
    'startup',
    'switches',
    'heights',
    'CDN',
    'peers',
    'uploaded',
    'dropped frames',
    'errors',
  ];
  const rows = viewers.map((v) =>
    [
      v.name,
      f.seconds(v.joinedAtSec),
      v.leftAtSec === null ? '–' : f.seconds(v.leftAtSec),
      f.percent(v.offload),
      f.count(v.stalls),
      f.seconds(v.stallSeconds),
      f.ms(v.firstSegmentMs),
      f.ms(v.startupMs),
      f.count(v.bitrateSwitches),
      v.renditions.map((h) => `${h}p`).join(' → ') || '–',
      f.megabytes(v.httpBytes),
      f.megabytes(v.p2pBytes),
      f.megabytes(v.uploadedBytes),
      f.percent(v.droppedFrameShare),
      `${v.errors + v.wrongSegments}`,
    ]
      .map((cell) => `<td>${escapeHtml(cell)}</td>`)
      .join(''),
  );
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table>`;
}

/** Errors grouped by message: how often, and at which viewers (a stall-ridden run repeats the same few). */
function errorList(report: SwarmReport): string {
  const items = (['cdnOnly', 'peerlane'] as const).flatMap((key) => {
    const groups = new Map<string, Set<string>>();
    const counts = new Map<string, number>();
    for (const viewer of report[key].viewers) {
      for (const text of viewer.errorSamples) {
        // "v3 console.warn: hls.js error: …" → the message without the viewer.
        const message = text.replace(/^v\d+ (console\.\w+: )?/, '');
        groups.set(message, (groups.get(message) ?? new Set()).add(viewer.name));
        counts.set(message, (counts.get(message) ?? 0) + 1);
      }
    }
    const run = key === 'cdnOnly' ? 'CDN only' : 'Peerlane';
    return [...groups].map(
      ([message, viewers]) =>
        `<li>${run}: ${escapeHtml(message)} — ${counts.get(message)}× (${[...viewers].join(', ')})</li>`,
    );
  });
  if (items.length === 0) return '';
  const note = 'The first five per viewer; the per-viewer tables count them all.';
  return `<section><h2>Errors</h2><p class="note">${note}</p><ul class="errors">${items.join('')}</ul></section>`;
}

export function renderReport(report: SwarmReport): string {
  const { cdnOnly, peerlane, settings } = report;
  const runs = [cdnOnly, peerlane];
  const max = (pick: (run: RunFigures) => number[]) => Math.max(1, ...runs.flatMap(pick));
  const scales = {
    t: max((run) => run.timelines.t),
    mbps: max((run) => [
      ...run.timelines.mbps.cdnEgress,
      ...run.timelines.t.map((_, i) =>
        ['http', 'p2p', 'cache'].reduce((sum, k) => sum + (run.timelines.mbps[k as 'http'][i] ?? 0), 0),
      ),
      settings.cdnMbps ?? 0,
    ]),
    buffer: max((run) => Object.values(run.timelines.buffer).flatMap((points) => points.map(([, b]) => b))),
  };
  const [a, b] = runs.map((run) => charts(run, scales, settings.cdnMbps));
  const section = (title: string, note: string, left: string, right: string) =>
    `<section><h2>${title}</h2><p class="note">${note}</p><div class="pair"><figure><figcaption>CDN only</figcaption>${left}</figure><figure><figcaption>Peerlane</figcaption>${right}</figure></div></section>`;
  const cap = (mbps: number | null) => (mbps === null ? 'none' : `${mbps} Mbit/s`);
  const ladder = settings.renditions.map((r) => `${r.name} ${r.kbps} kbit/s`).join(', ');
  const headline = HEADLINES.map(
    (row) =>
      `<tr><th>${row.label}</th><td>${row.value(cdnOnly)}</td><td>${row.value(peerlane)}</td><td class="change">${compareRuns(row, report)}</td></tr>`,
  ).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Peerlane swarm report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; color: #222; margin: 24px; max-width: 1180px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 2px; }
.note, .settings { color: #555; margin: 2px 0 8px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 3px 10px; border-bottom: 1px solid #e2e2e2; text-align: right; }
th:first-child, td:first-child { text-align: left; } thead th { background: #f2f2f2; }
.headline td { font-weight: 600; font-size: 15px; min-width: 120px; } .headline td.change { font-weight: 400; color: #444; }
td { white-space: nowrap; }
.pair { display: flex; gap: 20px; flex-wrap: wrap; } figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 2px; }
.errors { font: 12px/1.4 ui-monospace, monospace; color: #7a1f1f; }
.viewers { display: flex; flex-direction: column; gap: 8px; } .viewers table { font-size: 12px; } .viewers th, .viewers td { padding: 3px 7px; }
</style></head><body>
<h1>Peerlane swarm report</h1>
<p class="settings">${settings.viewers} viewers, ${settings.mode === 'live' ? 'live' : 'VoD'}, each run ${settings.joinSpread + settings.duration} s (joins spread over ${settings.joinSpread} s);
${settings.cpuHog > 0 ? `${settings.cpuHog} busy process(es) ran beside the viewers in both runs. ` : ''}CDN model: total cap ${cap(settings.cdnMbps)}, per-viewer cap ${cap(settings.cdnViewerMbps)}, latency ${settings.cdnLatencyMs} ms;
renditions ${escapeHtml(ladder)}, ${settings.level === null ? 'ABR' : `pinned to level ${settings.level}`}.
Machine: ${settings.machine.cpus} × ${escapeHtml(settings.machine.cpuModel)}. Finished ${settings.finishedAt}.</p>
<table class="headline"><thead><tr><th></th><th>CDN only</th><th>Peerlane</th><th>Peerlane vs CDN only</th></tr></thead><tbody>${headline}</tbody></table>
${section('Segment bytes by source', 'All viewers together, per sampling interval. CDN-only bytes are the origin’s own counter; with Peerlane, Peerlane.stats() by source, and the dashed line is what the origin actually sent.', a?.bytes ?? '', b?.bytes ?? '')}
${section('Buffer per viewer', 'Seconds buffered ahead of the playhead, sampled from each page’s video element; red: some viewer was stalled.', a?.buffer ?? '', b?.buffer ?? '')}
${section('Stalls', 'Each row is a viewer from joining to leaving; red: waiting after the first frame until playing again.', a?.stalls ?? '', b?.stalls ?? '')}
${section('Machine load', 'Busy share of all cores: every process, and this run’s own (every viewer’s Chromium, the origin, the signal server); the gap is other load on the machine. Near 100 % the machine, not the delivery, limits playback.', a?.cpu ?? '', b?.cpu ?? '')}
${matchingSection(report.peerlane, report.random)}
${labSection(report.lab, peerlane.viewers)}
<section><h2>Per viewer</h2><div class="viewers"><div><b>CDN only</b>${viewerTable(cdnOnly.viewers)}</div><div><b>Peerlane</b>${viewerTable(peerlane.viewers)}</div></div></section>
${errorList(report)}
</body></html>
`;
}
