// Runs a signal server as a child process (ours by default, any script printing `listening on <port>`),
// waits until it listens, and stops it; shared by the e2e tests and the signal benchmark.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Our CLI, exactly as `npx peerlane-signal` runs it. */
export const SIGNAL_CLI = fileURLToPath(
  new URL('../../signal-server/bin/peerlane-signal.mjs', import.meta.url),
);

export interface SignalProcessOptions {
  /** Node script to run. Default: our CLI. */
  script?: string;
  /** Arguments after the script. Default: `['--port', '0']`. */
  args?: string[];
  /** Extra flags for node itself, e.g. `['--expose-gc']`. Default: none. */
  nodeArgs?: string[];
  /** Added to the parent's environment. Default: none. */
  env?: Record<string, string>;
  /** How long to wait for `listening on <port>`. Default: 20 s (the machine is shared). */
  startTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SignalProcess {
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved), for assertions and diagnostics. */
  output(): string;
  /** Settles when the process has exited, however that happened. */
  exited: Promise<ExitStatus>;
  /** Sends `signal` (default SIGTERM), escalates to SIGKILL after `graceMs` (default 5 s), awaits exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
}

const LISTENING = /listening on (\d+)/;
// Bounded: a chatty server must not grow the test runner's memory without end.
const MAX_OUTPUT_CHARS = 64 * 1024;

export async function startSignalProcess(options: SignalProcessOptions = {}): Promise<SignalProcess> {
  const script = options.script ?? SIGNAL_CLI;
  const args = options.args ?? ['--port', '0'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-MAX_OUTPUT_CHARS);
  };
  // Both pipes are always drained: a server blocked on a full stdout pipe would distort any measurement.
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<ExitStatus> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    }
    return exited;
  };

  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const port = await new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
    };
    const fail = (why: string) => {
      if (settled) return;
      settle();
      void stop('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')}: ${why}\n--- output ---\n${output}`));
    };
    const onStdout = () => {
      const match = LISTENING.exec(output);
      if (settled || !match?.[1]) return;
      settle();
      resolve(Number(match[1]));
    };
    const timer = setTimeout(
      () => fail(`no "listening on <port>" within ${startTimeoutMs} ms`),
      startTimeoutMs,
    );
    child.stdout?.on('data', onStdout);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    void exited.then((status) =>
      fail(`exited before listening (code ${status.code}, signal ${status.signal})`),
    );
  });
  if (child.pid === undefined) throw new Error(`${script}: no pid after start`);
  return { port, pid: child.pid, child, output: () => output, exited, stop };
}
