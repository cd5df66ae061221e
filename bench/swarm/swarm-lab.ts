// The swarm harness in the network lab: builds the lab for --lab (or says in one line why it cannot and
// leaves the run on loopback), and works out what the signal server is told about the lab's GeoIP files.
import { execFileSync } from 'node:child_process';
import { checkLabSupport } from '../../lab/lab-support';
import type { LabViewer } from '../../lab/start-lab';
import { type Lab, startLab } from '../../lab/start-lab';
import { SIGNAL_CLI } from '../../tests/support/signal-process';
import type { SwarmSettings } from './swarm-settings';

/**
 * The signal server's flags for GeoIP databases (issue 11, server side). The harness passes the lab's files
 * with each flag the server's --help lists, so the server picks them up the day it learns them.
 */
export const SIGNAL_GEOIP_FLAGS = { asn: '--geoip-asn', country: '--geoip-country' } as const;
/** Peer ranking: the Peerlane run says `matching`, the third run of a lab invocation `random` (the comparison). */
export const SIGNAL_RANKING_FLAG = '--ranking';

/** A viewer's place in the lab, as report.json records it. */
export interface ViewerNetwork {
  isp: string;
  asn: number;
  country: string;
  /** The address the signal server and origin see (the home router's under NAT). */
  address: string;
  nat: boolean;
  /** The viewer's own address behind NAT (its WebRTC host candidate), else null. */
  privateAddress: string | null;
  uplinkKbps: number | null;
  downlinkKbps: number | null;
}

/** The lab for these settings, or what the machine lacks for one (said on stdout: the run goes on loopback). */
export async function openSwarmLab(
  settings: SwarmSettings,
  log: (line: string) => void,
): Promise<{ lab: Lab } | { missing: string }> {
  const support = checkLabSupport(settings.natShare > 0);
  if (!support.ok) {
    console.log(`swarm: --lab needs ${support.missing}; running on loopback`);
    return { missing: support.missing };
  }
  const {
    viewers,
    isps,
    natShare,
    uplinkKbps,
    downlinkKbps,
    cappedUploaders,
    cappedUplinkKbps,
    transitKbps,
  } = settings;
  const lab = await startLab(
    { viewers, isps, natShare, uplinkKbps, downlinkKbps, cappedUploaders, cappedUplinkKbps, transitKbps },
    log,
  );
  const transit = lab.isps.map((isp) => `${isp.name} ${isp.transitKbps ?? 'unlimited'}`).join(', ');
  log(
    `lab ${lab.prefix}: ${viewers} viewers in ${isps} ISPs (transit kbit/s: ${transit}), set up in ${lab.setupMs.toFixed(0)} ms`,
  );
  return { lab };
}

/**
 * Signal server flags pointing at the lab's GeoIP files: those it supports, and the names it lacks; `ranking`:
 * whether it knows --ranking (then a lab invocation adds the run with random ranking).
 */
export function signalGeoipArgs(lab: Lab): { args: string[]; missing: string[]; ranking: boolean } {
  const help = execFileSync(process.execPath, [SIGNAL_CLI, '--help'], { encoding: 'utf8' });
  const knows = (flag: string) => new RegExp(`${flag}\\b`).test(help);
  const args: string[] = [];
  const missing: string[] = [];
  for (const [kind, flag] of Object.entries(SIGNAL_GEOIP_FLAGS) as Array<[keyof Lab['geoip'], string]>) {
    if (knows(flag)) args.push(flag, lab.geoip[kind]);
    else missing.push(flag);
  }
  return { args, missing, ranking: knows(SIGNAL_RANKING_FLAG) };
}

export function viewerNetwork(viewer: LabViewer): ViewerNetwork {
  return {
    isp: viewer.isp.name,
    asn: viewer.isp.asn,
    country: viewer.isp.country,
    address: viewer.address,
    nat: viewer.nat !== null,
    privateAddress: viewer.nat?.privateAddress ?? null,
    uplinkKbps: viewer.uplinkKbps,
    downlinkKbps: viewer.downlinkKbps,
  };
}
