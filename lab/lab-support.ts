// Can this machine run the lab? Checked before anything is built, so a harness can say in one line what is
// missing and run on loopback instead: root, network namespaces, tc, coturn, iptables (when NAT is asked for),
// and lab addresses that the machine does not already route.
import { execFileSync } from 'node:child_process';
import { CORE_ADDRESS, LAB_BLOCK, SERVICES_HOST } from './address-plan';
import { labPrefix, ownerAlive } from './lab-state';
import { tryRun } from './run-command';

export type LabSupport =
  | { ok: true /** The iptables that works in a namespace here (nft or legacy backend). */; iptables: string }
  | { ok: false /** What is missing, as one phrase: "root (running as uid 1000)". */; missing: string };

/** `nat`: the lab will put viewers behind NAT (iptables is needed only then). */
export function checkLabSupport(nat = true): LabSupport {
  if (process.platform !== 'linux') return { ok: false, missing: `Linux (this is ${process.platform})` };
  const uid = process.getuid?.();
  if (uid !== 0) return { ok: false, missing: `root (running as uid ${uid})` };
  if (!tryRun('ip', ['-V'])) return { ok: false, missing: 'the ip command (apt-get install -y iproute2)' };
  if (!tryRun('tc', ['-V'])) return { ok: false, missing: 'the tc command (apt-get install -y iproute2)' };
  if (!tryRun('turnserver', ['--version']) && !onPath('turnserver'))
    return { ok: false, missing: 'coturn (apt-get install -y coturn)' };
  const taken = routedLabAddress();
  if (taken) return { ok: false, missing: `free lab addresses (${taken} is already routed here)` };
  // Creating one is the only real test: a container without CAP_SYS_ADMIN lists namespaces but cannot add one.
  const probe = `${labPrefix()}-probe`;
  if (!tryRun('ip', ['netns', 'add', probe]))
    return { ok: false, missing: 'network namespaces (`ip netns add` failed: needs CAP_SYS_ADMIN)' };
  try {
    if (!nat) return { ok: true, iptables: 'iptables' };
    const iptables = ['iptables', 'iptables-legacy'].find((command) =>
      tryRun('ip', ['netns', 'exec', probe, command, '-t', 'nat', '-L', '-n']),
    );
    if (!iptables) return { ok: false, missing: 'iptables with NAT (apt-get install -y iptables)' };
    return { ok: true, iptables };
  } finally {
    tryRun('ip', ['netns', 'delete', probe]);
  }
}

function onPath(command: string): boolean {
  return tryRun('sh', ['-c', `command -v ${command}`]);
}

/** The first lab address the root namespace already has a route for (other than a lab's own), or null. */
function routedLabAddress(): string | null {
  let routes: string;
  try {
    routes = execFileSync('ip', ['-o', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  } catch {
    return null;
  }
  const [labNet = 0] = parseNetwork(LAB_BLOCK) ?? [];
  for (const line of routes.split('\n')) {
    // A crashed lab's route goes with the sweep at start; a running lab's (another process) blocks this one.
    const labPid = / dev pllab(\d+)h\b/.exec(line)?.[1];
    if (labPid && !ownerAlive(Number(labPid))) continue;
    const destination = line.split(' ')[0] === 'local' ? line.split(' ')[1] : line.split(' ')[0];
    const network = parseNetwork(destination ?? '');
    if (!network || network[1] === 0) continue; // default routes cover everything and say nothing
    const [base, length] = network;
    const within = (address: number, prefix: number) =>
      length >= prefix ? base >>> (32 - prefix) === address >>> (32 - prefix) : false;
    const covers = (address: number) => address >>> (32 - length) === base >>> (32 - length);
    if (within(labNet, 10) || covers(toNumber(SERVICES_HOST)) || covers(toNumber(CORE_ADDRESS)))
      return `${destination} ${/ dev (\S+)/.exec(line)?.[0].trim() ?? ''}`.trim();
  }
  return null;
}

function parseNetwork(text: string): [number, number] | null {
  const [address = '', length = '32'] = text.split('/');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return null;
  return [toNumber(address), Number(length)];
}

function toNumber(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0) >>> 0;
}
