// One run of the swarm harness: a fresh origin (with the settings' CDN model) and signal server, N viewers of
// the hls.js example page joining on schedule, every viewer and the origin sampled until the run ends.

import type { Page } from 'puppeteer';
import type { Traffic, TrafficSnapshot } from '../../examples/origin/traffic-meter';
import { VIEWER_COOKIE } from '../../examples/origin/viewer-id';
import type { Lab } from '../../lab/start-lab';
import { type PageParams, type Stack, startStack } from '../../tests/support/stack';
import type { Probe, Viewer } from '../../tests/support/viewer';
import { wrongSegments } from './live-segments';
import { cpuBusySampler, processTreeSampler } from './machine-load';
import { mainThreadCpu } from './page-cpu';
import { readSignalMetrics, type SignalCounters } from './signal-metrics';
import { type ViewerNetwork, viewerNetwork } from './swarm-lab';
import type { SwarmSettings } from './swarm-settings';
import { labBrowsers, sharedBrowser, type ViewerBrowsers } from './viewer-browsers';

export const LIVE_SRC = '/media/live/master.m3u8';

/** One viewer at one sampling moment; byte counters are cumulative. */
export interface ViewerSample {
  /** Seconds since the run started. */
  t: number;
  bufferAheadSec: number;
  /** Segment bytes handed to the player by source (Peerlane.stats(); zeros without Peerlane). */
  httpBytes: number;
  p2pBytes: number;
  cacheBytes: number;
  uploadedBytes: number;
  peers: number;
  /** Segment bytes the origin sent this viewer (its cookie), Peerlane or not. */
  cdnSegmentBytes: number;
  /** Height of the picture shown (0 before the first frame). */
  height: number;
}

export interface ViewerRecord {
  name: string;
  joinedAtSec: number;
  /** When it left mid-run (a departure), null when it stayed to the end. */
  leftAtSec: number | null;
  samples: ViewerSample[];
  /** The last probe before it left or the run ended. */
  final: Probe;
  problems: string[];
  /** Segments the player got whose bytes differ from the origin's files (must stay empty). */
  wrongSegments: string[];
  /** What the origin sent this viewer over the whole run. */
  cdn: Traffic;
  /** Its ISP, address, NAT and caps in the network lab; null on loopback. */
  network: ViewerNetwork | null;
  /** Every signal-server id its page had (Peerlane.stats().peerId over the run). */
  peerIds: string[];
  /** CPU seconds its page's main thread spent (DevTools Performance.getMetrics TaskDuration); null if unread. */
  pageCpuSec: number | null;
}

export interface RunRecord {
  p2p: boolean;
  /** Date.now() at the start; every `t` and `…AtSec` counts from here. */
  startedAt: number;
  endedAtSec: number;
  viewers: ViewerRecord[];
  /**
   * Busy share of all CPUs (0..1) over each sampling interval, and the part of it this run's own processes used
   * (harness and origin, signal server, Chromium; null where /proc is not available).
   */
  machine: Array<{ t: number; cpuBusy: number; ownCpu: number | null }>;
  /** CPU seconds the viewers' Chromium used over the run (every page, worker, decoder); null without /proc. */
  browserCpuSec: number | null;
  /** The same by kind of Chromium process (renderer, gpu-process, networkservice, browser, …). */
  browserCpuByKindSec: Record<string, number> | null;
  /** The origin's counters at the end (all viewers). */
  traffic: TrafficSnapshot;
  /** The signal server's counters at the end: pairs by network, hashes accepted (see signal-metrics.ts). */
  signal: SignalCounters | null;
  /** Requests the signal server's hash service made to the origin, per `<path>[ <Range>]` (with `--hash-origins`). */
  hashServiceRequests: Record<string, number>;
}

interface Watching {
  name: string;
  viewer: Viewer;
  pageCpu: () => Promise<number | null>;
  joinedAtSec: number;
  samples: ViewerSample[];
  last: Probe | null;
  peerIds: Set<string>;
}

/** How long a returning viewer's first visit may take to show a frame. */
const FIRST_VISIT_TIMEOUT_MS = 30_000;

const NO_TRAFFIC: Traffic = { segmentBytes: 0, playlistBytes: 0, segments: 0, playlists: 0 };

export interface RunOptions {
  /** Media folder the origin serves (see media-snapshot.ts). Default: examples/media/out. */
  mediaDir?: string;
  log?: (line: string) => void;
  /** Run the viewers in this network lab (see swarm-lab.ts). Default null: loopback. */
  lab?: Lab | null;
  /** Extra signal server flags (the lab's GeoIP files, `--hash-origins`). Default none. */
  signalArgs?: string[];
  /**
   * When the pages create their player (tests/support/stack.ts, PageParams.wait). Default 'playback', as a site's
   * page does: the player alone, Peerlane after its first frame.
   */
  wait?: PageParams['wait'];
}

export async function runSwarm(
  settings: SwarmSettings,
  p2p: boolean,
  options: RunOptions = {},
): Promise<RunRecord> {
  const log = options.log ?? (() => {});
  const lab = options.lab ?? null;
  const stack = await startStack({
    // In the lab the servers listen on its services address, which every viewer namespace routes to.
    host: lab?.servicesHost,
    signal: options.signalArgs,
    // Its own copy of the Peerlane scripts: a rebuild of dist/ meanwhile does not change a running swarm.
    privateDist: true,
    origin: {
      mediaDir: options.mediaDir,
      cdn: {
        totalMbps: settings.cdnMbps,
        viewerMbps: settings.cdnViewerMbps,
        latencyMs: settings.cdnLatencyMs,
      },
      iceServers: lab?.iceServers,
      publishHashes: settings.originHashes,
    },
  });
  let browsers: ViewerBrowsers | undefined;
  try {
    browsers = lab ? await labBrowsers(lab, stack.origin.url) : await sharedBrowser();
    const record = await watch(stack, browsers, settings, p2p, log, lab, options.wait ?? 'playback');
    return { ...record, signal: await readSignalMetrics(stack.signalUrl) };
  } finally {
    await browsers?.close();
    await stack.close();
  }
}

async function watch(
  stack: Stack,
  browsers: ViewerBrowsers,
  settings: SwarmSettings,
  p2p: boolean,
  log: (line: string) => void,
  lab: Lab | null,
  wait: PageParams['wait'],
): Promise<RunRecord> {
  const url = stack.pageUrl({
    p2p,
    wait,
    level: settings.level ?? undefined,
    src: settings.mode === 'live' ? LIVE_SRC : undefined,
  });
  const startedAt = Date.now();
  const seconds = () => (Date.now() - startedAt) / 1000;
  const joinGapSec = settings.viewers > 1 ? settings.joinSpread / (settings.viewers - 1) : 0;
  const endAtSec = settings.joinSpread + settings.duration;
  const watching = new Map<string, Watching>();
  const records: ViewerRecord[] = [];
  const machine: RunRecord['machine'] = [];
  const cpuBusy = cpuBusySampler();
  const ownCpu = processTreeSampler(() => [
    process.pid,
    stack.signal.pid,
    ...browsers.pids(),
    ...(lab ? [lab.coturn.pid] : []),
  ]);
  const browserCpu = processTreeSampler(() => browsers.pids());
  let browserCpuSec: number | null = null;
  let browserCpuByKindSec: Record<string, number> | null = null;
  const cookieDomain = new URL(stack.origin.url).hostname;

  const finish = async (entry: Watching, leftAtSec: number | null) => {
    watching.delete(entry.name);
    const final = await entry.viewer.probe().catch(() => entry.last);
    const pageCpuSec = await entry.pageCpu();
    // A page or context Chromium already dropped (a crashed renderer) is a finding for the report, not a reason
    // to lose the whole run.
    const closed = await entry.viewer.close().then(
      () => [],
      (error: Error) => [`${entry.name}: its browser context was already gone (${error.message})`],
    );
    if (!final) throw new Error(`${entry.name}: no probe was ever read`);
    records.push({
      name: entry.name,
      joinedAtSec: entry.joinedAtSec,
      leftAtSec,
      samples: entry.samples,
      final,
      problems: [...entry.viewer.problems(), ...closed],
      wrongSegments: wrongSegments(final.segments, stack.origin.config.mediaDir),
      cdn: stack.origin.traffic().viewers[entry.name] ?? NO_TRAFFIC,
      network: lab ? viewerNetwork(lab.viewer(entry.name)) : null,
      peerIds: [...entry.peerIds, ...(final.stats?.peerId ? [final.stats.peerId] : [])],
      pageCpuSec,
    });
  };

  const joins = (async () => {
    for (let index = 0; index < settings.viewers; index++) {
      await untilSec(seconds, index * joinGapSec);
      const name = `v${index + 1}`;
      let pageCpu: () => Promise<number | null> = async () => null;
      const viewer = await browsers.open(url, {
        name,
        setup: async (page) => {
          // The origin's per-viewer cap and byte counters know this viewer by its cookie (see viewer-id.ts).
          await page
            .browserContext()
            .setCookie({ name: VIEWER_COOKIE, value: name, domain: cookieDomain, path: '/' });
          if (settings.returning) await visitOnce(page, url);
          pageCpu = await mainThreadCpu(page);
        },
      });
      watching.set(name, {
        name,
        viewer,
        pageCpu,
        joinedAtSec: seconds(),
        samples: [],
        last: null,
        peerIds: new Set(),
      });
      log(`${p2p ? 'peerlane' : 'cdn-only'}: ${name} joined at ${seconds().toFixed(1)} s`);
    }
  })();
  const departures = settings.departures.map(async ({ viewer, atSec }) => {
    await untilSec(seconds, atSec);
    const entry =
      viewer === 'top-uploader' ? topUploader([...watching.values()]) : watching.get(`v${viewer}`);
    if (entry) {
      await finish(entry, seconds());
      log(`${p2p ? 'peerlane' : 'cdn-only'}: ${entry.name} left at ${seconds().toFixed(1)} s`);
    }
  });

  // A slow round (a busy machine) delays the next one rather than firing a burst to catch up.
  const stepSec = settings.sampleMs / 1000;
  for (let next = 0; seconds() < endAtSec; next = Math.max(next + stepSec, seconds())) {
    await untilSec(seconds, next);
    const t = seconds();
    const traffic = stack.origin.traffic();
    machine.push({ t, cpuBusy: cpuBusy(), ownCpu: ownCpu()?.share ?? null });
    const browserNow = browserCpu();
    browserCpuSec = browserNow?.totalSec ?? null;
    browserCpuByKindSec = browserNow?.byKindSec ?? null;
    await Promise.all(
      [...watching.values()].map(async (entry) => {
        const probe = await entry.viewer.probe().catch(() => null);
        if (!probe || !watching.has(entry.name)) return;
        entry.last = probe;
        if (probe.stats?.peerId) entry.peerIds.add(probe.stats.peerId);
        entry.samples.push(sampleOf(t, probe, traffic.viewers[entry.name]));
      }),
    );
  }
  await Promise.all([joins, ...departures]);
  const endedAtSec = seconds();
  await Promise.all([...watching.values()].map((entry) => finish(entry, null)));
  records.sort((a, b) => a.joinedAtSec - b.joinedAtSec);
  return {
    p2p,
    startedAt,
    endedAtSec,
    viewers: records,
    machine,
    browserCpuSec,
    browserCpuByKindSec,
    traffic: stack.origin.traffic(),
    hashServiceRequests: stack.origin.hashServiceRequests(),
    signal: null,
  };
}

/** The viewer that uploaded most by its latest sample; the earliest joined among equals (Map order). */
function topUploader(entries: Watching[]): Watching | undefined {
  let top: Watching | undefined;
  for (const entry of entries) {
    const uploaded = entry.samples.at(-1)?.uploadedBytes ?? 0;
    if (!top || uploaded > (top.samples.at(-1)?.uploadedBytes ?? 0)) top = entry;
  }
  return top;
}

function sampleOf(t: number, probe: Probe, traffic: Traffic | undefined): ViewerSample {
  return {
    t,
    bufferAheadSec: Math.max(0, probe.bufferedEnd - probe.currentTime),
    httpBytes: probe.stats?.httpBytes ?? 0,
    p2pBytes: probe.stats?.p2pBytes ?? 0,
    cacheBytes: probe.stats?.cacheBytes ?? 0,
    uploadedBytes: probe.stats?.uploadedBytes ?? 0,
    peers: probe.stats?.peers ?? 0,
    cdnSegmentBytes: traffic?.segmentBytes ?? 0,
    height: probe.heights.at(-1)?.height ?? 0,
  };
}

/**
 * A returning viewer's first visit (`--returning`): the page until its first frame, so the worker is installed and
 * the scripts are cached when the measured load begins. Its bytes and CPU count in the run's totals, in both runs.
 */
async function visitOnce(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0, {
    timeout: FIRST_VISIT_TIMEOUT_MS,
  });
}

/** Resolves once `seconds()` reaches `atSec` (at once when it already has). */
function untilSec(seconds: () => number, atSec: number): Promise<void> {
  const waitMs = (atSec - seconds()) * 1000;
  return waitMs > 0 ? new Promise((resolve) => setTimeout(resolve, waitMs)) : Promise.resolve();
}
