// Reads a process's resident memory and CPU time from /proc (Linux), the two things the signal benchmark weighs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcSample {
  /** VmRSS from /proc/<pid>/status, bytes. */
  rssBytes: number;
  /** utime + stime from /proc/<pid>/stat (all threads: JS, GC helpers, libuv pool), microseconds. */
  cpuMicros: number;
  /** The stime part: time in the kernel (syscalls: epoll, recv, send), microseconds. */
  systemMicros: number;
}

/** Clock ticks per second for /proc/<pid>/stat; 100 on every common Linux, asked once anyway. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU figures are only as fine as one clock tick. */
export const CPU_RESOLUTION_MICROS = 1e6 / CLOCK_TICKS;

export function sampleProcess(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (rssKiB === undefined) throw new Error(`no VmRSS in /proc/${pid}/status: has the process exited?`);
  // Fields after the ")" closing the command name; utime and stime are fields 14 and 15 of the whole line.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return {
    rssBytes: Number(rssKiB) * 1024,
    cpuMicros: (userTicks + systemTicks) * CPU_RESOLUTION_MICROS,
    systemMicros: systemTicks * CPU_RESOLUTION_MICROS,
  };
}
