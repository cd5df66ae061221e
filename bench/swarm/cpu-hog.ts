// `--cpu-hog N`: N busy processes beside the viewers for the whole invocation (both runs alike), so a report shows
// how delivery holds up when the machine is short of CPU. Each is a node process spinning; all are killed at the
// end, or when the harness exits early.
import { type ChildProcess, spawn } from 'node:child_process';

export interface CpuHogs {
  readonly pids: number[];
  stop(): void;
}

export function startCpuHogs(count: number): CpuHogs {
  const hogs: ChildProcess[] = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  const stop = () => {
    for (const hog of hogs) if (hog.exitCode === null) hog.kill('SIGKILL');
  };
  process.once('exit', stop);
  return { pids: hogs.flatMap((hog) => (hog.pid === undefined ? [] : [hog.pid])), stop };
}
