// The signal server's own view of a run, read from its /metrics at the end: peer pairs it offered and saw connect,
// by network (same ASN, cross ASN, unknown), and the segment hashes its quorum accepted.

export interface SignalCounters {
  /** `offered same-asn` → count, … (peerlane_signal_pairs_total by stage and network). */
  pairs: Record<string, number>;
  /** Segment hashes that reached the quorum of distinct viewers (peerlane_signal_hashes_accepted_total). */
  hashesAccepted: number;
  /** Votes by result (peerlane_signal_hash_reports_total). */
  hashReports: Record<string, number>;
}

/** Null when the server did not answer (the run's figures do not depend on it). */
export async function readSignalMetrics(signalUrl: string): Promise<SignalCounters | null> {
  try {
    const response = await fetch(`${signalUrl.replace(/^ws/, 'http')}metrics`);
    return response.ok ? parseSignalMetrics(await response.text()) : null;
  } catch {
    return null;
  }
}

export function parseSignalMetrics(text: string): SignalCounters {
  const counters: SignalCounters = { pairs: {}, hashesAccepted: 0, hashReports: {} };
  for (const line of text.split('\n')) {
    const match = /^peerlane_signal_(\w+?)(?:\{([^}]*)\})? ([\d.e+-]+)$/.exec(line);
    if (!match) continue;
    const [, name, labelText = '', value] = match;
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    if (name === 'pairs_total') counters.pairs[`${labels.stage} ${labels.network}`] = Number(value);
    if (name === 'hashes_accepted_total') counters.hashesAccepted = Number(value);
    if (name === 'hash_reports_total' && labels.result) counters.hashReports[labels.result] = Number(value);
  }
  return counters;
}
