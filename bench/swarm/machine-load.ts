// How busy the machine's CPUs are, and how much of that the harness's own processes (the viewers' Chromium, the
// origin, the signal server) account for: sampled with every timeline point, so a report shows when the machine,
// not the swarm, was the limit — and when something else on the machine was taking it.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

interface CpuTimes {
  busy: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/** Each call returns the share of CPU time (0..1, all cores) spent busy since the previous call. */
export function cpuBusySampler(): () => number {
  let last = cpuTimes();
  return () => {
    const now = cpuTimes();
    const total = now.total - last.total;
    const share = total > 0 ? (now.busy - last.busy) / total : 0;
    last = now;
    return share;
  };
}

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every common Linux. */
const TICKS_PER_SEC = 100;

/** CPU used by a process tree: share of all CPUs since the previous sample, and CPU seconds since the first. */
export interface TreeCpu {
  share: number;
  totalSec: number;
  /** The same seconds by kind of process (see processKind): where in Chromium the CPU went. */
  byKindSec: Record<string, number>;
}

/**
 * Each call returns the share of all CPUs (0..1) that the processes under `roots()` (and their descendants: every
 * Chromium renderer, the signal server) used since the previous call — what the harness itself costs, so the rest of
 * `cpuBusy` is load from elsewhere — and their CPU seconds so far. Linux /proc only; null elsewhere.
 */
export function processTreeSampler(roots: () => number[]): () => TreeCpu | null {
  let last = new Map<number, number>();
  let lastAt = performance.now();
  let totalTicks = 0;
  const ticksByKind: Record<string, number> = {};
  const sample = () => {
    const table = readProcTable();
    if (!table) return null;
    const tree = new Set(roots());
    // Parents come before children often but not always: repeat until nothing joins.
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, { ppid }] of table) {
        if (!tree.has(pid) && tree.has(ppid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    let ticks = 0;
    const now = new Map<number, number>();
    for (const pid of tree) {
      const entry = table.get(pid);
      if (!entry) continue;
      now.set(pid, entry.ticks);
      const used = entry.ticks - (last.get(pid) ?? 0);
      ticks += used;
      // Read at every sample, not once: a renderer the zygote just forked still carries the zygote's command line.
      const kind = processKind(pid);
      ticksByKind[kind] = (ticksByKind[kind] ?? 0) + Math.max(0, used);
    }
    const at = performance.now();
    const share = ticks / TICKS_PER_SEC / (((at - lastAt) / 1000) * cpus().length);
    last = now;
    lastAt = at;
    totalTicks += Math.max(0, ticks);
    const byKindSec = Object.fromEntries(
      Object.entries(ticksByKind).map(([kind, kindTicks]) => [kind, kindTicks / TICKS_PER_SEC]),
    );
    return { share: Math.max(0, share), totalSec: totalTicks / TICKS_PER_SEC, byKindSec };
  };
  // The first reading sets the baseline: a process's time before this run is not this run's.
  sample();
  return sample;
}

/**
 * What a process is, from its command line: Chromium's `--type` (renderer, gpu-process, zygote), its utility
 * services by name (network, audio, storage), `browser` for Chromium's main process, else the program's name.
 */
function processKind(pid: number): string {
  let args: string[];
  try {
    // Chromium rewrites its command line as one string of space-separated flags (setproctitle).
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
  } catch {
    return 'gone';
  }
  const flag = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const type = flag('type');
  if (type === 'utility')
    return (flag('utility-sub-type') ?? 'utility').replace(/^.*\.mojom\./, '').toLowerCase();
  if (type) return type;
  const program = (args[0] ?? '').split('/').pop() ?? '';
  return /chrom|firefox/.test(program) ? 'browser' : program || 'unknown';
}

function readProcTable(): Map<number, { ppid: number; ticks: number }> | null {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return null;
  }
  const table = new Map<number, { ppid: number; ticks: number }>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the ")" that closes the command name: state ppid … utime(12) stime(13).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return table;
}
