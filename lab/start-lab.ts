// The network lab's public API: startLab() builds the namespaces, writes the GeoIP files and starts coturn;
// close() removes all of it. Teardown also runs on process exit, SIGINT, SIGTERM and SIGHUP, and a start
// first removes what crashed runs left behind. Needs root: see checkLabSupport().
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IspPlan, planLab, SERVICES_HOST, type ViewerPlan } from './address-plan';
import { buildNetwork, labNames } from './build-network';
import { type IceServer, startCoturn } from './coturn';
import { type GeoipFiles, writeGeoipFiles } from './geoip-files';
import { type LabOptions, resolveLabConfig } from './lab-config';
import { LabError } from './lab-error';
import { LabRecord, removeLab, sweepLeftovers } from './lab-state';
import { checkLabSupport } from './lab-support';

export interface LabViewer extends ViewerPlan {
  /** The network namespace its browser runs in. */
  namespace: string;
}

export interface Lab {
  /** `pllab<pid>`: every namespace (`ip netns list`) and the root link (`ip link`) start with it. */
  prefix: string;
  /** Bind the harness's servers (signal server, origin/CDN) here: every viewer reaches it through the core. */
  servicesHost: string;
  isps: IspPlan[];
  viewers: LabViewer[];
  /** coturn's STUN and TURN, for the pages' `iceServers`. */
  iceServers: IceServer[];
  /** The GeoIP databases of the ISP blocks, for the signal server's --geoip-asn / --geoip-country. */
  geoip: GeoipFiles;
  coturn: { pid: number; logFile: string };
  /** How long startLab() took, ms. */
  setupMs: number;
  viewer(name: string): LabViewer;
  /** A script that runs `executable` with its arguments inside the viewer's namespace (puppeteer's executablePath). */
  wrapInNamespace(viewerName: string, executable: string): string;
  /** Spawns `command` inside the viewer's namespace. */
  spawnIn(viewerName: string, command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Removes every namespace, link, process and file of the lab; returns how long it took, ms. Idempotent. */
  close(): number;
}

let running: string | null = null;

/** Builds a lab; throws LabError('unsupported') naming what the machine lacks (check first to fall back). */
export async function startLab(
  options: LabOptions = {},
  log: (line: string) => void = () => {},
): Promise<Lab> {
  const startedAt = performance.now();
  const config = resolveLabConfig(options);
  const plan = planLab(config);
  const support = checkLabSupport(plan.viewers.some((viewer) => viewer.nat));
  if (!support.ok) throw new LabError('unsupported', support.missing);
  if (running) throw new LabError('already-running', running);
  for (const prefix of sweepLeftovers(config.stateDir)) log(`removed the leftovers of crashed lab ${prefix}`);

  const record = new LabRecord(config.stateDir);
  const { prefix } = record.state;
  running = prefix;
  const names = labNames(prefix);
  let closed = false;
  const close = () => {
    const begun = performance.now();
    if (!closed) {
      closed = true;
      process.off('exit', close);
      for (const signal of SIGNALS) process.off(signal, onSignal);
      removeLab(record.state, record.file);
      running = null;
    }
    return performance.now() - begun;
  };
  // Teardown before the process goes: the default action of these signals would skip the 'exit' event.
  const onSignal = (signal: NodeJS.Signals) => {
    close();
    process.kill(process.pid, signal);
  };
  process.once('exit', close);
  for (const signal of SIGNALS) process.once(signal, onSignal);

  try {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    record.setDir(dir);
    buildNetwork(plan, names, record, support.iptables);
    const geoip = writeGeoipFiles(plan.isps, dir);
    const coturn = await startCoturn(names.core, dir, record);
    const viewers = plan.viewers.map((viewer) => ({ ...viewer, namespace: names.viewer(viewer.name) }));
    const viewer = (name: string) => {
      const found = viewers.find((candidate) => candidate.name === name);
      if (!found) throw new LabError('unknown-viewer', name);
      return found;
    };
    return {
      prefix,
      servicesHost: SERVICES_HOST,
      isps: plan.isps,
      viewers,
      iceServers: coturn.iceServers,
      geoip,
      coturn: { pid: coturn.pid, logFile: coturn.logFile },
      setupMs: performance.now() - startedAt,
      viewer,
      wrapInNamespace(viewerName, executable) {
        const { namespace } = viewer(viewerName);
        const script = join(dir, `in-${viewerName}-${executable.replace(/\W+/g, '_')}.sh`);
        writeFileSync(
          script,
          `#!/bin/sh\nexec ip netns exec ${quote(namespace)} ${quote(executable)} "$@"\n`,
        );
        chmodSync(script, 0o755);
        return script;
      },
      spawnIn: (viewerName, command, args, spawnOptions = {}) =>
        spawn('ip', ['netns', 'exec', viewer(viewerName).namespace, command, ...args], spawnOptions),
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
