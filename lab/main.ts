// CLI of the network lab (built to dist/lab.mjs), for exploring it by hand and for cleaning up:
//   node dist/lab.mjs --viewers 3 --nat-share 0.34 --hold   → builds it, prints it as JSON, waits for Ctrl-C
//   node dist/lab.mjs --sweep                              → removes the leftovers of crashed runs
import { parseArgs } from 'node:util';
import { type LabOptions, labDefaults, TRANSIT_KBPS_PER_VIEWER } from './lab-config';
import { LabError } from './lab-error';
import { sweepLeftovers } from './lab-state';
import { startLab } from './start-lab';

const HELP = `Usage: node dist/lab.mjs [flags]   (as root)

Builds the network lab (see lab/README.md), prints its layout as JSON and, with --hold, keeps it up until
SIGINT/SIGTERM; then removes it.
  --isps <n>                ISPs, each its own address block, ASN and country    (default ${labDefaults.isps})
  --viewers <n>             viewer namespaces                                     (default ${labDefaults.viewers})
  --nat-share <x>           share of viewers behind a home NAT router, 0..1      (default ${labDefaults.natShare})
  --uplink-kbps <x>         every viewer's uplink cap                             (default none)
  --downlink-kbps <x>       every viewer's downlink cap                           (default none)
  --capped-uploaders <k>    k viewers get --capped-uplink-kbps instead            (default 0)
  --capped-uplink-kbps <x>  their uplink cap                                      (default ${labDefaults.cappedUplinkKbps})
  --transit-kbps <x>        each ISP's transit to the others, each way; 0: none  (default ${TRANSIT_KBPS_PER_VIEWER} per viewer)
  --hold                    keep the lab up until Ctrl-C
  --sweep                   only remove what crashed runs left behind, then exit
  --help                    this text`;

function parseFlags(argv: string[]): { options: LabOptions; hold: boolean; sweep: boolean } | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      isps: { type: 'string' },
      viewers: { type: 'string' },
      'nat-share': { type: 'string' },
      'uplink-kbps': { type: 'string' },
      'downlink-kbps': { type: 'string' },
      'capped-uploaders': { type: 'string' },
      'capped-uplink-kbps': { type: 'string' },
      'transit-kbps': { type: 'string' },
      hold: { type: 'boolean' },
      sweep: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  // Numbers as written (NaN when not one): resolveLabConfig checks them and names the field.
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  return {
    options: {
      isps: number(values.isps),
      viewers: number(values.viewers),
      natShare: number(values['nat-share']),
      uplinkKbps: number(values['uplink-kbps']),
      downlinkKbps: number(values['downlink-kbps']),
      cappedUploaders: number(values['capped-uploaders']),
      cappedUplinkKbps: number(values['capped-uplink-kbps']),
      transitKbps: number(values['transit-kbps']),
    },
    hold: values.hold ?? false,
    sweep: values.sweep ?? false,
  };
}

try {
  const flags = parseFlags(process.argv.slice(2));
  if (flags === 'help') {
    console.log(HELP);
    process.exit(0);
  }
  if (flags.sweep) {
    const removed = sweepLeftovers(labDefaults.stateDir);
    console.log(removed.length ? `removed ${removed.join(', ')}` : 'no leftovers');
    process.exit(0);
  }
  const lab = await startLab(flags.options, (line) => console.error(line));
  const { prefix, servicesHost, isps, viewers, iceServers, geoip, coturn, setupMs } = lab;
  console.log(
    JSON.stringify({ prefix, servicesHost, isps, viewers, iceServers, geoip, coturn, setupMs }, null, 2),
  );
  if (flags.hold) {
    console.error(`lab ${prefix} up; Ctrl-C removes it`);
    // A pending timer keeps the process up (a bare pending promise would not); startLab()'s signal handlers
    // tear the lab down and exit.
    setInterval(() => {}, 60_000);
    await new Promise(() => {});
  }
  console.error(`lab removed in ${lab.close().toFixed(0)} ms`);
} catch (error) {
  if (!(error instanceof LabError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')))
    throw error;
  console.error((error as Error).message);
  process.exit(2);
}
