// Turns one run's samples into the figures report.json carries: offload, stalls, startup, switches per viewer
// and for the run, plus the timelines the charts draw.
import { type IspTraffic, ispTraffic } from './isp-traffic';
import type { RunRecord, ViewerRecord } from './run-swarm';
import type { SignalCounters } from './signal-metrics';
import { median, medianPhases, type StartupPhases, startupPhases } from './startup-phases';
import type { ViewerNetwork } from './swarm-lab';

export interface ViewerFigures {
  name: string;
  joinedAtSec: number;
  leftAtSec: number | null;
  /** P2P bytes / all segment bytes the player got (Peerlane.stats(); 0 without Peerlane). */
  offload: number;
  /** Stalls: `waiting` after the first frame until `playing` again, counted once per episode. */
  stalls: number;
  stallSeconds: number;
  /** Navigation start to the first `playing`; null when it never played. */
  startupMs: number | null;
  /** Navigation start to the player having its first segment (the delivery part of the startup). */
  firstSegmentMs: number | null;
  /** Changes of the picture's height after the first frame (rendition switches on screen). */
  bitrateSwitches: number;
  /** Heights shown, in order of first appearance. */
  renditions: number[];
  httpBytes: number;
  p2pBytes: number;
  cacheBytes: number;
  uploadedBytes: number;
  /** What the origin itself sent this viewer: segments and playlists, aborted responses included. */
  cdnSegmentBytes: number;
  cdnPlaylistBytes: number;
  /** Frames the element dropped / frames it showed (the decoder, i.e. the machine, falling behind). */
  droppedFrameShare: number;
  droppedFrames: number;
  totalFrames: number;
  /** Start-up moments, ms from navigation start (see startup-phases.ts). */
  phases: StartupPhases;
  /** CPU seconds of its page's main thread; null if unread. */
  pageCpuSec: number | null;
  /** hls.js and page errors, and segments whose bytes differ from the origin's (both must be 0). */
  errors: number;
  wrongSegments: number;
  /** The first few of those, to read. */
  errorSamples: string[];
  /** Its ISP, address, NAT and caps in the network lab; null on loopback. */
  network: ViewerNetwork | null;
}

export interface RunTimelines {
  /** Sample times, seconds since the run started. */
  t: number[];
  /** Mbit/s over the RATE_WINDOW_SEC ending at each t, all viewers together: segment bytes by source, CDN egress. */
  mbps: { http: number[]; p2p: number[]; cache: number[]; cdnEgress: number[] };
  /** Seconds buffered ahead of the playhead, per viewer, at each of its own samples. */
  buffer: Record<string, Array<[number, number]>>;
  stalls: Array<{ viewer: string; start: number; end: number }>;
  cpuBusy: number[];
  ownCpu: Array<number | null>;
}

export interface RunFigures extends Partial<IspTraffic> {
  offload: number;
  stalls: number;
  stallSeconds: number;
  /** Median over viewers that played. */
  startupMs: number | null;
  /** Each start-up phase's median over the viewers where it happened. */
  startupPhasesMs: StartupPhases;
  /** All viewers' dropped frames / frames shown. */
  droppedFrameShare: number;
  /** Segment bytes handed to the players (all sources). */
  deliveredBytes: number;
  /** Chromium's CPU seconds (pages, workers, decoders, browser) per delivered MB; null without /proc. */
  cpuSecPerMB: number | null;
  /** cpuSecPerMB split by kind of Chromium process (renderer, gpu-process, networkservice, browser, …). */
  cpuSecPerMBByKind: Record<string, number> | null;
  /** The pages' main threads alone, CPU seconds per delivered MB; null if unread. */
  pageCpuSecPerMB: number | null;
  bitrateSwitches: number;
  neverStarted: number;
  /** All segment bytes the origin sent (what the CDN carried) and its playlist bytes. */
  cdnSegmentBytes: number;
  cdnPlaylistBytes: number;
  /** Mean busy share of all CPUs over the run (above ~0.9 the machine, not the software, sets the limits). */
  cpuBusyMean: number;
  /** The part of it this run's own processes used; the rest was other load on the machine (null: unknown). */
  ownCpuMean: number | null;
  errors: number;
  wrongSegments: number;
  viewers: ViewerFigures[];
  timelines: RunTimelines;
  /** The signal server's counters at the end (pairs by network, hashes accepted); null if unread. */
  signal: SignalCounters | null;
}

const ERROR_SAMPLES = 5;
/** Throughput is averaged over this window: 1 s samples of 2 s segments would only show the segments' rhythm. */
export const RATE_WINDOW_SEC = 4;

export function summarizeRun(run: RunRecord): RunFigures {
  const viewers = run.viewers.map((viewer) => viewerFigures(viewer, run));
  const sum = (pick: (viewer: ViewerFigures) => number) => viewers.reduce((total, v) => total + pick(v), 0);
  const segmentBytes = sum((v) => v.httpBytes + v.p2pBytes + v.cacheBytes);
  const startups = viewers.flatMap((v) => (v.startupMs === null ? [] : [v.startupMs]));
  const deliveredMB = segmentBytes / 1e6;
  const pageCpu = viewers.every((v) => v.pageCpuSec !== null) ? sum((v) => v.pageCpuSec ?? 0) : null;
  return {
    offload: segmentBytes > 0 ? sum((v) => v.p2pBytes) / segmentBytes : 0,
    stalls: sum((v) => v.stalls),
    stallSeconds: sum((v) => v.stallSeconds),
    startupMs: median(startups),
    startupPhasesMs: medianPhases(viewers.map((v) => v.phases)),
    droppedFrameShare:
      sum((v) => v.droppedFrames) /
      Math.max(
        1,
        sum((v) => v.totalFrames),
      ),
    deliveredBytes: segmentBytes,
    cpuSecPerMB: run.browserCpuSec === null || deliveredMB === 0 ? null : run.browserCpuSec / deliveredMB,
    cpuSecPerMBByKind:
      run.browserCpuByKindSec === null || deliveredMB === 0
        ? null
        : Object.fromEntries(
            Object.entries(run.browserCpuByKindSec).map(([kind, sec]) => [kind, sec / deliveredMB]),
          ),
    pageCpuSecPerMB: pageCpu === null || deliveredMB === 0 ? null : pageCpu / deliveredMB,
    bitrateSwitches: sum((v) => v.bitrateSwitches),
    neverStarted: viewers.length - startups.length,
    cdnSegmentBytes: run.traffic.total.segmentBytes,
    cdnPlaylistBytes: run.traffic.total.playlistBytes,
    cpuBusyMean: mean(run.machine.map((m) => m.cpuBusy)),
    ownCpuMean: run.machine.some((m) => m.ownCpu === null)
      ? null
      : mean(run.machine.map((m) => m.ownCpu ?? 0)),
    errors: sum((v) => v.errors),
    wrongSegments: sum((v) => v.wrongSegments),
    viewers,
    timelines: timelines(run),
    signal: run.signal,
    // Lab runs: P2P bytes inside / across ISPs (p2pBytesSameIsp, p2pBytesCrossIsp, …), offload per ISP.
    ...ispTraffic(run.viewers),
  };
}

function viewerFigures(viewer: ViewerRecord, run: RunRecord): ViewerFigures {
  const { final } = viewer;
  const stalls = stallsOf(viewer, run);
  const phases = startupPhases(final);
  const stats = final.stats;
  // Without Peerlane the player's segment bytes are what the origin sent it (see README: origin counters).
  const httpBytes = run.p2p ? (stats?.httpBytes ?? 0) : viewer.cdn.segmentBytes;
  const p2pBytes = stats?.p2pBytes ?? 0;
  const cacheBytes = stats?.cacheBytes ?? 0;
  const all = httpBytes + p2pBytes + cacheBytes;
  return {
    name: viewer.name,
    joinedAtSec: viewer.joinedAtSec,
    leftAtSec: viewer.leftAtSec,
    offload: all > 0 ? p2pBytes / all : 0,
    stalls: stalls.length,
    stallSeconds: stalls.reduce((total, span) => total + span.end - span.start, 0),
    startupMs: final.firstPlayAt,
    firstSegmentMs: phases.firstSegment,
    bitrateSwitches: Math.max(0, final.heights.length - 1),
    renditions: [...new Set(final.heights.map((change) => change.height))],
    httpBytes,
    p2pBytes,
    cacheBytes,
    uploadedBytes: stats?.uploadedBytes ?? 0,
    cdnSegmentBytes: viewer.cdn.segmentBytes,
    cdnPlaylistBytes: viewer.cdn.playlistBytes,
    droppedFrameShare: final.totalFrames > 0 ? final.droppedFrames / final.totalFrames : 0,
    droppedFrames: final.droppedFrames,
    totalFrames: final.totalFrames,
    phases,
    pageCpuSec: viewer.pageCpuSec,
    errors: viewer.problems.length,
    wrongSegments: viewer.wrongSegments.length,
    errorSamples: [...viewer.problems, ...viewer.wrongSegments].slice(0, ERROR_SAMPLES),
    network: viewer.network,
  };
}

function timelines(run: RunRecord): RunTimelines {
  const t = run.machine.map((m) => m.t);
  /** Cumulative counter of every viewer at each t (0 before its first sample, its last value after it left). */
  const total = (pick: (sample: ViewerRecord['samples'][number]) => number) =>
    t.map((time) =>
      run.viewers.reduce((sum, viewer) => {
        let value = 0;
        for (const sample of viewer.samples) if (sample.t <= time + 1e-6) value = pick(sample);
        return sum + value;
      }, 0),
    );
  /** Mbit/s over the RATE_WINDOW_SEC ending at each t (shorter at the start). */
  const rate = (cumulative: number[]) =>
    cumulative.map((bytes, i) => {
      const now = t[i] ?? 0;
      let from = Math.max(0, i - 1);
      while (from > 0 && now - (t[from - 1] ?? 0) <= RATE_WINDOW_SEC + 1e-6) from--;
      // The first sample measures from the run's start, with nothing before it.
      const before = i === 0 ? 0 : (cumulative[from] ?? 0);
      const dt = now - (i === 0 ? 0 : (t[from] ?? 0));
      return dt > 0 ? ((bytes - before) * 8) / dt / 1e6 : 0;
    });
  const cdnEgress = rate(total((s) => s.cdnSegmentBytes));
  return {
    t,
    mbps: {
      http: run.p2p ? rate(total((s) => s.httpBytes)) : cdnEgress,
      p2p: rate(total((s) => s.p2pBytes)),
      cache: rate(total((s) => s.cacheBytes)),
      cdnEgress,
    },
    buffer: Object.fromEntries(
      run.viewers.map((viewer) => [viewer.name, viewer.samples.map((s) => [s.t, s.bufferAheadSec])]),
    ),
    stalls: run.viewers.flatMap((viewer) =>
      stallsOf(viewer, run).map((span) => ({ viewer: viewer.name, ...span })),
    ),
    cpuBusy: run.machine.map((m) => m.cpuBusy),
    ownCpu: run.machine.map((m) => m.ownCpu),
  };
}

/** A viewer's stalls in run seconds; one still going ends when the viewer left or the run ended. */
function stallsOf(viewer: ViewerRecord, run: RunRecord): Array<{ start: number; end: number }> {
  const { final } = viewer;
  const toRunSec = (pageMs: number) => (final.timeOrigin + pageMs - run.startedAt) / 1000;
  return final.stallSpans.map((span) => ({
    start: toRunSec(span.start),
    end: span.end === null ? (viewer.leftAtSec ?? run.endedAtSec) : toRunSec(span.end),
  }));
}

function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / Math.max(1, values.length);
}
