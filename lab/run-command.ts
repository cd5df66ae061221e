// Runs the system tools the lab drives (ip, tc, iptables), synchronously: teardown must also work from a
// process 'exit' handler, where nothing asynchronous runs. A failure names the command and its stderr.
import { execFileSync } from 'node:child_process';
import { LabError } from './lab-error';

/** Runs `command args…`; returns stdout. Throws LabError('command-failed') with the command and stderr. */
export function run(command: string, args: string[], input?: string): string {
  try {
    return execFileSync(command, args, {
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
    });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new LabError('command-failed', `${command} ${args.join(' ')}: ${stderr?.trim() || message}`);
  }
}

/** Like run(), but a failure is returned as false (probes, and teardown of what may already be gone). */
export function tryRun(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * `ip` commands in one process (`ip -batch`): a lab of 9 viewers is ~150 commands, and one process each would
 * cost more than the work. `namespace` runs them all inside it (`ip -n`); null: the root namespace.
 */
export function ipBatch(namespace: string | null, lines: string[]): void {
  if (lines.length === 0) return;
  run('ip', [...(namespace ? ['-n', namespace] : []), '-batch', '-'], `${lines.join('\n')}\n`);
}

/** Runs `command args…` inside `namespace` (`ip netns exec`). */
export function runIn(namespace: string, command: string, args: string[]): string {
  return run('ip', ['netns', 'exec', namespace, command, ...args]);
}

/** `tc` commands (each its arguments) in one process (`tc -batch`), inside `namespace`. */
export function tcBatch(namespace: string, commands: string[][]): void {
  if (commands.length === 0) return;
  run('tc', ['-n', namespace, '-batch', '-'], `${commands.map((args) => args.join(' ')).join('\n')}\n`);
}
