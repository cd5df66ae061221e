// What a running lab created, on disk before it is created, so the lab can be removed after a crash: every
// object carries the run's prefix `pllab<pid>`, and a start removes the leftovers of runs whose process is gone.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tryRun } from './run-command';

export interface LabState {
  /** `pllab<pid>`: starts every namespace name (`pllab<pid>-core`) and the root namespace's link. */
  prefix: string;
  pid: number;
  /** Start time of the owning process (/proc/<pid>/stat): tells a live owner from a reused pid. */
  startTicks: string | null;
  namespaces: string[];
  /** Links in the root namespace (removed with the core namespace too; listed for a half-built lab). */
  rootLinks: string[];
  /** Processes the lab started itself (coturn), killed at teardown if still running from `dir`. */
  pids: number[];
  /** Temporary folder: coturn's config and log, Chromium wrappers, the GeoIP files. */
  dir: string | null;
}

const PREFIX = /^pllab(\d+)/;

export function labPrefix(pid = process.pid): string {
  return `pllab${pid}`;
}

/** The state of one lab, written to `<stateDir>/<prefix>.json` on every change. */
export class LabRecord {
  readonly state: LabState;
  readonly file: string;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    const prefix = labPrefix();
    this.file = join(stateDir, `${prefix}.json`);
    this.state = {
      prefix,
      pid: process.pid,
      startTicks: startTicks(process.pid),
      namespaces: [],
      rootLinks: [],
      pids: [],
      dir: null,
    };
    this.save();
  }

  /** Call before creating the object: a crash right after leaves a record of it. */
  add(kind: 'namespaces' | 'rootLinks', name: string): string {
    this.state[kind].push(name);
    this.save();
    return name;
  }

  addPid(pid: number): void {
    this.state.pids.push(pid);
    this.save();
  }

  setDir(dir: string): void {
    this.state.dir = dir;
    this.save();
  }

  private save(): void {
    // Written whole and renamed: a crash mid-write never leaves a half file that hides the objects.
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.state));
    renameSync(`${this.file}.tmp`, this.file);
  }
}

/** Removes everything `state` lists (whatever is already gone is skipped), then its state file. */
export function removeLab(state: LabState, stateFile: string | null): void {
  for (const namespace of state.namespaces) killProcessesIn(namespace);
  for (const pid of state.pids) {
    // Only a process still running from the lab's folder: after a reboot the pid may be someone else's.
    if (state.dir && readProc(pid, 'cmdline')?.includes(state.dir)) killQuietly(pid);
  }
  for (const namespace of state.namespaces) tryRun('ip', ['netns', 'delete', namespace]);
  for (const link of state.rootLinks) tryRun('ip', ['link', 'delete', link]);
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  if (stateFile) rmSync(stateFile, { force: true });
}

/**
 * Removes what runs whose process is gone left behind: those with a state file, then any namespace or root
 * link named `pllab<pid>…` for a dead pid (a crash before the first state write). Returns their prefixes.
 */
export function sweepLeftovers(stateDir: string): string[] {
  const removed = new Set<string>();
  const files = existsSync(stateDir) ? readdirSync(stateDir).filter((name) => PREFIX.test(name)) : [];
  for (const name of files.filter((file) => file.endsWith('.json'))) {
    const file = join(stateDir, name);
    let state: LabState;
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as LabState;
    } catch {
      rmSync(file, { force: true }); // a state file is never half-written (see save()), so this is not ours
      continue;
    }
    if (ownerAlive(state.pid, state.startTicks)) continue;
    removeLab(state, file);
    removed.add(state.prefix);
  }
  for (const namespace of namedNamespaces()) {
    const pid = Number(PREFIX.exec(namespace)?.[1]);
    if (ownerAlive(pid, null)) continue;
    killProcessesIn(namespace);
    tryRun('ip', ['netns', 'delete', namespace]);
    removed.add(labPrefix(pid));
  }
  for (const link of rootLinks()) {
    const pid = Number(PREFIX.exec(link)?.[1]);
    if (ownerAlive(pid, null)) continue;
    tryRun('ip', ['link', 'delete', link]);
    removed.add(labPrefix(pid));
  }
  return [...removed];
}

/** Lab namespaces (`pllab<pid>-…`) and root links (`pllab<pid>h`) that exist now, for checks after teardown. */
export function labObjects(prefix = 'pllab'): string[] {
  return [...namedNamespaces(), ...rootLinks()].filter((name) => name.startsWith(prefix));
}

function namedNamespaces(): string[] {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => PREFIX.test(name));
}

function rootLinks(): string[] {
  // `ip -o link` lines: "12: pllab123h@if3: <…>"; the part after @ names the peer's index.
  return run('ip', ['-o', 'link', 'show'])
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter((name) => PREFIX.test(name));
}

/** Chromium, coturn, helpers: anything still running inside a lab namespace was started for the lab. */
function killProcessesIn(namespace: string): void {
  let pids: string[] = [];
  try {
    pids = run('ip', ['netns', 'pids', namespace]).split('\n').filter(Boolean);
  } catch {
    return; // already gone
  }
  for (const pid of pids) killQuietly(Number(pid));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited meanwhile
  }
}

/** Whether the process `pid` runs (and, with `ticks`, is the one that started then, not a reuse of its pid). */
export function ownerAlive(pid: number, ticks: string | null = null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = startTicks(pid);
  return now !== null && (ticks === null || now === ticks);
}

/**
 * Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces); null for a
 * process that is gone or a zombie (killed, not yet reaped: it holds nothing any more).
 */
function startTicks(pid: number): string | null {
  const stat = readProc(pid, 'stat');
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ') ?? [];
  return fields[0] === 'Z' || fields[0] === 'X' ? null : (fields[19] ?? null);
}

function readProc(pid: number, file: 'stat' | 'cmdline'): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}
