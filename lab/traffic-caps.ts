// Per-viewer bandwidth caps with tc's token bucket filter: an uplink cap shapes what leaves the viewer's
// side of its access link, a downlink cap what the core sends into it. (netem, fq and sfq are not built into
// the kernels this runs on; tbf is, and shapes to within a few percent.)

/** The tc arguments that cap `device`'s egress at `kbps` kbit/s. */
export function tbfArgs(device: string, kbps: number): string[] {
  const bytesPerSecond = (kbps * 1000) / 8;
  // Burst: ~20 ms at the rate, but at least a few full frames (tbf drops a packet larger than its burst,
  // and veth offloads hand it up to 64 KiB segments it then splits) — 16 KiB keeps every rate workable.
  const burst = Math.max(16 * 1024, Math.round(bytesPerSecond * 0.02));
  // Queue: 100 ms at the rate, enough for TCP to keep the link busy, small enough not to bloat latency.
  const tbf = ['rate', `${kbps}kbit`, 'burst', `${burst}`, 'latency', '100ms'];
  return ['qdisc', 'replace', 'dev', device, 'root', 'tbf', ...tbf];
}
