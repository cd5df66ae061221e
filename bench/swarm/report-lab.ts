// The network lab's part of the swarm report: where each viewer was (ISP, ASN, country, address, NAT, caps)
// and what the lab cost, or why the run fell back to loopback.
import type { IspPlan } from '../../lab/address-plan';
import { escapeHtml } from './svg-chart';
import type { ViewerNetwork } from './swarm-lab';

/** report.json `lab`: null when --lab was not asked for. */
export type LabSummary =
  | {
      status: 'up';
      prefix: string;
      isps: IspPlan[];
      setupMs: number;
      teardownMs: number;
      /** Signal server GeoIP flags passed with the lab's files, and those the server does not know yet. */
      signalGeoipArgs: string[];
      signalGeoipMissing: string[];
    }
  | { status: 'unavailable'; missing: string };

export function labSection(
  lab: LabSummary | null,
  viewers: Array<{ name: string; network: ViewerNetwork | null }>,
) {
  if (lab === null) return '';
  if (lab.status === 'unavailable')
    return `<section><h2>Network lab</h2><p class="note">Not run: it needs ${escapeHtml(lab.missing)}; the viewers ran on loopback.</p></section>`;
  const transit = (kbps: number | null | undefined) =>
    kbps ? `transit ${kbps} kbit/s each way` : 'transit unlimited';
  const isps = lab.isps
    .map((isp) => `${isp.name} ${isp.block} AS${isp.asn} ${isp.country}, ${transit(isp.transitKbps)}`)
    .join('; ');
  const missing = lab.signalGeoipMissing.length
    ? ` The signal server does not know ${lab.signalGeoipMissing.join(', ')} yet: it ran without the lab's GeoIP files.`
    : '';
  const kbps = (value: number | null) => (value === null ? '–' : `${value} kbit/s`);
  const rows = viewers.map(({ name, network: n }) =>
    [
      name,
      n?.isp ?? '?',
      n ? `AS${n.asn}` : '?',
      n?.country ?? '?',
      n?.address ?? '?',
      n?.nat ? `NAT (${n.privateAddress})` : 'public',
      kbps(n?.uplinkKbps ?? null),
      kbps(n?.downlinkKbps ?? null),
    ]
      .map((cell) => `<td>${escapeHtml(cell)}</td>`)
      .join(''),
  );
  const head = ['viewer', 'ISP', 'ASN', 'country', 'address seen', 'NAT', 'uplink cap', 'downlink cap'];
  return `<section><h2>Network lab</h2><p class="note">Each viewer its own Chromium in its own network namespace (${escapeHtml(lab.prefix)}), set up in ${lab.setupMs.toFixed(0)} ms, torn down in ${lab.teardownMs.toFixed(0)} ms. ISPs: ${escapeHtml(isps)}.${escapeHtml(missing)}</p>
<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table></section>`;
}
