// `npm run swarm`: the same viewers twice on the same origin settings — CDN only, then with Peerlane — and
// the side-by-side report (report.json, report.html, report.png) with a table on stdout.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { LabError } from '../../lab/lab-error';
import type { Lab } from '../../lab/start-lab';
import { startCpuHogs } from './cpu-hog';
import { snapshotMedia } from './media-snapshot';
import { compareRunFigures } from './report-comparison';
import { renderReport, type SwarmReport } from './report-html';
import type { LabSummary } from './report-lab';
import { printSummary, screenshotReport } from './report-output';
import { type RunRecord, runSwarm } from './run-swarm';
import { type RunFigures, summarizeRun } from './summarize-run';
import { openSwarmLab, SIGNAL_RANKING_FLAG, signalGeoipArgs } from './swarm-lab';
import { parseSwarmFlags, SettingsError, USAGE } from './swarm-settings';

let parsed: ReturnType<typeof parseSwarmFlags>;
try {
  parsed = parseSwarmFlags(process.argv.slice(2));
} catch (error) {
  if (
    !(error instanceof SettingsError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
  )
    throw error;
  console.error(`swarm: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (parsed === 'help') {
  console.log(USAGE);
  process.exit(0);
}
const settings = parsed;
const out = resolve(settings.out);
mkdirSync(out, { recursive: true });

const log = (line: string) => console.log(`  ${line}`);
const snapshot = await snapshotMedia();
const media = JSON.parse(readFileSync(join(snapshot.dir, 'media.json'), 'utf8')) as {
  renditions: Array<{ name: string; videoKbps: number; audioKbps: number }>;
};
let lab: Lab | null = null;
let labSummary: LabSummary | null = null;
let signalArgs: string[] = [];
let signalMissing: string[] = [];
let compareRanking = false;
if (settings.lab) {
  try {
    const opened = await openSwarmLab(settings, log);
    if ('missing' in opened) labSummary = { status: 'unavailable', missing: opened.missing };
    else lab = opened.lab;
  } catch (error) {
    snapshot.remove();
    if (!(error instanceof LabError)) throw error;
    console.error(`swarm: ${error.message}`);
    process.exit(2);
  }
}
if (lab) {
  ({ args: signalArgs, missing: signalMissing, ranking: compareRanking } = signalGeoipArgs(lab));
  if (signalMissing.length)
    console.log(
      `swarm: the signal server has no ${signalMissing.join(', ')} yet: it runs without the lab's GeoIP`,
    );
}
let cdnOnly: RunFigures;
let peerlane: RunFigures;
let random: RunFigures | null = null;
let teardownMs = 0;
const hogs = startCpuHogs(settings.cpuHog);
if (settings.cpuHog > 0) console.log(`swarm: ${settings.cpuHog} busy process(es) beside the viewers`);
try {
  const options = { mediaDir: snapshot.dir, log, lab, signalArgs };
  const ranked = (ranking: string) => ({
    ...options,
    signalArgs: compareRanking ? [...signalArgs, SIGNAL_RANKING_FLAG, ranking] : signalArgs,
  });
  console.log(
    `swarm: ${settings.viewers} ${settings.returning ? 'returning ' : ''}viewers, ${settings.mode}, ${settings.duration} s; CDN only first`,
  );
  cdnOnly = summarizeRun(await runSwarm(settings, false, options));
  console.log(`swarm: with Peerlane${compareRanking ? ' (matching peers by network)' : ''}`);
  const matchingRun = await runSwarm(settings, true, ranked('matching'));
  peerlane = summarizeRun(matchingRun);
  let randomRun: RunRecord | null = null;
  if (compareRanking) {
    console.log('swarm: with Peerlane, random ranking (the signal server shuffles peers)');
    randomRun = await runSwarm(settings, true, ranked('random'));
    random = summarizeRun(randomRun);
  }
  // Who sent which segment to whom, and where each player's segments came from: for diagnostics.
  const deliveries = (run: RunRecord | null) =>
    run?.viewers.map(({ name, network, peerIds, final }) => ({
      name,
      isp: network?.isp ?? null,
      peerIds,
      timeOrigin: final.timeOrigin,
      deliveries: final.deliveries,
    })) ?? null;
  writeFileSync(
    join(out, 'deliveries.json'),
    JSON.stringify({ peerlane: deliveries(matchingRun), random: deliveries(randomRun) }),
  );
} finally {
  hogs.stop();
  snapshot.remove();
  teardownMs = lab?.close() ?? 0;
}
if (lab) {
  const { prefix, isps, setupMs } = lab;
  const geoip = { signalGeoipArgs: signalArgs, signalGeoipMissing: signalMissing };
  labSummary = { status: 'up', prefix, isps, setupMs, teardownMs, ...geoip };
}

const report: SwarmReport = {
  cdnOnly,
  peerlane,
  random,
  comparison: compareRunFigures(cdnOnly, peerlane),
  settings: {
    ...settings,
    out,
    renditions: media.renditions.map((r) => ({ name: r.name, kbps: r.videoKbps + r.audioKbps })),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem() },
    finishedAt: new Date().toISOString(),
  },
  lab: labSummary,
};
writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(out, 'report.html'), renderReport(report));
await screenshotReport(join(out, 'report.html'), join(out, 'report.png'));
printSummary(report);
console.log(`\nreport: ${join(out, 'report.html')} (report.json, report.png beside it)`);
