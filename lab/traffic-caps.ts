// Bandwidth limits with tc: per-viewer caps with the token bucket filter (an uplink cap shapes what leaves the
// viewer's side of its access link, a downlink cap what the core sends into it), and each ISP's transit link with
// htb classes and u32 filters on its bridge in the core. (netem, fq and sfq are not built into the kernels this
// runs on; tbf and htb are, and shape to within a few percent.)
import { LAB_BLOCK } from './address-plan';

/** Queue of a shaped link: 100 ms at its rate, enough for TCP to keep it busy, small enough not to bloat latency. */
const QUEUE_SEC = 0.1;

/**
 * Burst of a shaped link: ~20 ms at the rate, but at least a few full frames (tbf drops a packet larger than its
 * burst, and veth offloads hand it up to 64 KiB segments it then splits) — 16 KiB keeps every rate workable.
 */
function burstBytes(kbps: number): number {
  return Math.max(16 * 1024, Math.round(((kbps * 1000) / 8) * 0.02));
}

/** The tc arguments that cap `device`'s egress at `kbps` kbit/s. */
export function tbfArgs(device: string, kbps: number): string[] {
  const tbf = ['rate', `${kbps}kbit`, 'burst', `${burstBytes(kbps)}`, 'latency', `${QUEUE_SEC * 1000}ms`];
  return ['qdisc', 'replace', 'dev', device, 'root', 'tbf', ...tbf];
}

/**
 * tc commands (each the arguments of one `tc` call, in the core namespace) for an ISP's transit link of `kbps` each
 * way. Into the ISP: the egress of its bridge, where the core routes packets from other ISPs' blocks (bridged
 * traffic between its own customers never passes the bridge's queue). Out of the ISP: what its customers send to
 * the core for other ISPs' blocks, redirected from the bridge's ingress to the `ifb` device and shaped there.
 * Packets from or to the services address (CDN/origin, signal server, coturn) match no filter and pass unshaped:
 * CDNs sit inside ISPs and at exchange points, not behind their transit.
 */
export function transitCommands(bridge: string, ifb: string, kbps: number): string[][] {
  return [
    ...shapedClass(bridge, 'src', kbps),
    ['qdisc', 'add', 'dev', bridge, 'handle', 'ffff:', 'ingress'],
    [
      ...['filter', 'add', 'dev', bridge, 'parent', 'ffff:', 'protocol', 'ip', 'prio', '1', 'u32'],
      ...['match', 'ip', 'dst', LAB_BLOCK, 'action', 'mirred', 'egress', 'redirect', 'dev', ifb],
    ],
    ...shapedClass(ifb, 'dst', kbps),
  ];
}

/** An htb on `device` whose one class, `kbps`, takes the packets with `field` in the lab's ISP space. */
function shapedClass(device: string, field: 'src' | 'dst', kbps: number): string[][] {
  const rate = `${kbps}kbit`;
  const queueBytes = Math.max(burstBytes(kbps), Math.round(((kbps * 1000) / 8) * QUEUE_SEC));
  return [
    // No default class: unclassified packets leave through htb's direct queue, unshaped.
    ['qdisc', 'replace', 'dev', device, 'root', 'handle', '1:', 'htb', 'direct_qlen', '1000'],
    ['class', 'add', 'dev', device, 'parent', '1:', 'classid', '1:1', 'htb', 'rate', rate, 'ceil', rate],
    ['qdisc', 'add', 'dev', device, 'parent', '1:1', 'bfifo', 'limit', `${queueBytes}`],
    [
      ...['filter', 'add', 'dev', device, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32'],
      ...['match', 'ip', field, LAB_BLOCK, 'flowid', '1:1'],
    ],
  ];
}
