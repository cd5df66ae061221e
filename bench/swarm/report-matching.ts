// The network lab's matching figures in the swarm report: P2P bytes inside vs across ISPs, offload per ISP, and
// the signal server's pairs, with matching (--ranking matching) and random ranking side by side.
import { formatters as f } from './report-headlines';
import type { RunFigures } from './summarize-run';
import { escapeHtml } from './svg-chart';

const share = (value: number | null | undefined) => (value == null ? '–' : f.percent(value));

/** The rows, for the HTML and for stdout: label, then the matching and the random run's value. */
export function matchingRows(matching: RunFigures, random: RunFigures | null): string[][] {
  const runs = [matching, ...(random ? [random] : [])];
  const pairs = (run: RunFigures, stage: string) => {
    const count = (network: string) => run.signal?.pairs[`${stage} ${network}`] ?? 0;
    return `${count('same-asn')} / ${count('cross-asn')} / ${count('unknown')}`;
  };
  const isps = [...new Set(runs.flatMap((run) => Object.keys(run.offloadByIsp ?? {})))];
  return [
    ['P2P bytes inside the viewer’s ISP', ...runs.map((run) => share(run.sameIspShare))],
    [
      'P2P bytes same ISP / cross ISP',
      ...runs.map(
        (run) => `${f.megabytes(run.p2pBytesSameIsp ?? 0)} / ${f.megabytes(run.p2pBytesCrossIsp ?? 0)}`,
      ),
    ],
    ['Offload', ...runs.map((run) => f.percent(run.offload))],
    ...isps.map((isp) => [`Offload, ${isp}`, ...runs.map((run) => share(run.offloadByIsp?.[isp]))]),
    ['CDN segment bytes', ...runs.map((run) => f.megabytes(run.cdnSegmentBytes))],
    ['Stalls (time)', ...runs.map((run) => `${run.stalls} (${f.seconds(run.stallSeconds)})`)],
    ['Pairs offered: same ASN / cross / unknown', ...runs.map((run) => pairs(run, 'offered'))],
    ['Pairs connected: same ASN / cross / unknown', ...runs.map((run) => pairs(run, 'connected'))],
    ['Segment hashes accepted by quorum', ...runs.map((run) => String(run.signal?.hashesAccepted ?? '–'))],
  ];
}

export function matchingSection(matching: RunFigures, random: RunFigures | null): string {
  if (matching.sameIspShare === undefined) return '';
  const head = ['', 'Matching peers by network', ...(random ? ['Random ranking'] : [])];
  const rows = matchingRows(matching, random).map(
    (cells) =>
      `<tr>${cells.map((cell, i) => (i === 0 ? `<th>${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join('')}</tr>`,
  );
  return `<section><h2>Peers matched by network</h2><p class="note">P2P bytes counted at the uploader (its 'segment-uploaded' events), by the ISP of the viewer that received them. The signal server ranks peers by ASN, country, playback position and upload capacity (matching), or shuffles them (random, a third run of the same lab).</p>
<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
