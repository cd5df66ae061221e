// `npm run bench:signal`: the same load against the reference PeerJS server and ours, one after the other,
// then a side-by-side table and bench/results/signal.json. `--cluster N`: our server on Redis instead
// (cluster-bench.ts). Flags: see bench-config.ts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBenchFlags, SERVER_NAMES } from './bench-config';
import { type ClusterResult, clusterSetups, measureCluster } from './cluster-bench';
import { printClusterReport, writeClusterReport } from './cluster-report';
import { measureServer, type ServerResult, type ServerTarget } from './measure-server';
import { printReport, writeReport } from './report';

// This file runs bundled from dist/bench/; its siblings there are the other entry points.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TARGETS: Record<ServerTarget['name'], ServerTarget> = {
  reference: {
    name: 'reference',
    script: fileURLToPath(new URL('./reference-server.mjs', import.meta.url)),
    args: ['--port', '0'],
  },
  // What an operator runs (`npx peerlane-signal`) with default limits, except the per-connection message
  // rate (50/s): saturation is closed-loop, so the limiter would measure itself; the reference has none.
  ours: {
    name: 'ours',
    script: `${REPO_ROOT}signal-server/bin/peerlane-signal.mjs`,
    args: ['--port', '0', '--max-messages-per-second', '1000000', '--message-burst', '1000000'],
  },
};

const config = parseBenchFlags(process.argv.slice(2));
if (config.cluster !== undefined) await runCluster(config.cluster);
else await runComparison();

async function runComparison(): Promise<void> {
  const names = SERVER_NAMES.filter((name) => config.only === undefined || config.only === name);
  const results: ServerResult[] = [];
  for (const name of names) {
    const target = TARGETS[name];
    if (!existsSync(target.script)) {
      console.log(`[${name}] skipped: ${target.script} does not exist`);
      continue;
    }
    // One server failing (crash, refused connections) must not hide the other's figures.
    try {
      results.push(await measureServer(target, config));
    } catch (error) {
      console.error(`[${name}] benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
  printReport(results, config);
  writeReport(results, config);
}

/** --cluster N: ours in memory, on Redis alone, and N processes on one Redis (see cluster-bench.ts). */
async function runCluster(processes: number): Promise<void> {
  const results: ClusterResult[] = [];
  for (const setup of clusterSetups(processes)) {
    try {
      results.push(await measureCluster(setup, config));
    } catch (error) {
      console.error(
        `[${setup.name}] benchmark failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exitCode = 1;
    }
  }
  printClusterReport(results, config);
  writeClusterReport(results, config);
}
