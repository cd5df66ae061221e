// Parent side of a load-client process: forks it, sends one command at a time with a deadline, stops it.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadCommand, LoadReply } from './load-messages';

export interface LoadProcess {
  pid: number;
  /** Runs one command; rejects on a `failed` reply, on exit, or after `timeoutMs`. */
  request<T extends LoadReply['type']>(
    command: LoadCommand,
    expect: T,
    timeoutMs: number,
  ): Promise<Extract<LoadReply, { type: T }>>;
  stop(): Promise<void>;
}

const LOAD_CLIENT = fileURLToPath(new URL('./load-client.mjs', import.meta.url));
const live = new Set<ChildProcess>();
let hooked = false;

/** Children die with the benchmark however it ends: normal exit, error, Ctrl-C. */
export function killOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const each of live) each.kill('SIGKILL');
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export async function startLoadProcess(): Promise<LoadProcess> {
  const child = fork(LOAD_CLIENT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  killOnExit(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const request = <T extends LoadReply['type']>(command: LoadCommand, expect: T, timeoutMs: number) =>
    new Promise<Extract<LoadReply, { type: T }>>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (reply: LoadReply) => {
        cleanup();
        if (reply.type === expect) resolve(reply as Extract<LoadReply, { type: T }>);
        else
          reject(
            new Error(
              `load client, ${command.type}: ${reply.type === 'failed' ? reply.message : reply.type}`,
            ),
          );
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`load client exited (code ${code}) during ${command.type}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`load client: ${command.type} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(command);
    });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  if (child.pid === undefined) throw new Error('load client: no pid after spawn');
  return { pid: child.pid, request, stop };
}
