// The swarm harness's settings: every knob with its default in one place, and the flags that map onto it.
import { parseArgs } from 'node:util';
import { labDefaults, TRANSIT_KBPS_PER_VIEWER } from '../../lab/lab-config';

export type StreamMode = 'live' | 'vod';

/**
 * One viewer leaving mid-stream, `atSec` into the run: viewer `viewer` (1-based, in join order), or the one
 * that uploaded most so far ('top-uploader': the swarm's main source leaves; without uploads, the first joined).
 */
export interface Departure {
  viewer: number | 'top-uploader';
  atSec: number;
}

export interface SwarmSettings {
  /** Headless viewers, each its own browser context. Default 10. */
  viewers: number;
  /** The origin's looped live stream or its 30 s VoD. Default 'live'. */
  mode: StreamMode;
  /** How long every viewer has been watching when the run ends: it ends this long after the last join, s. Default 60. */
  duration: number;
  /** Viewers join evenly spread over this many seconds (0: one after the other, at once). Default 10. */
  joinSpread: number;
  /** The CDN model's cap on all media bytes, Mbit/s (null: none). Default null. */
  cdnMbps: number | null;
  /** The CDN model's cap per viewer, Mbit/s (null: none). Default null. */
  cdnViewerMbps: number | null;
  /** The CDN model's added time to first byte, ms. Default 50 (a nearby CDN edge). */
  cdnLatencyMs: number;
  /** Pin rendition n (0 = lowest) instead of ABR. Default null (ABR, so switches can happen). */
  level: number | null;
  /** Viewers that leave mid-stream (in both runs). Default none. */
  departures: Departure[];
  /**
   * The origin publishes segment hashes (sidecars). Default true; false (`--no-origin-hashes`): peers may share a
   * segment only once the signal server's quorum of distinct viewers accepted its hash.
   */
  originHashes: boolean;
  /** Busy processes running beside the viewers for the whole invocation (a loaded machine). Default 0. */
  cpuHog: number;
  /**
   * Measure returning viewers: each loads the page once (until its first frame: Peerlane's worker installed, the
   * page's scripts in the HTTP cache) and is measured from its second load, in both runs. Default false: first visits.
   */
  returning: boolean;
  /** How often every viewer's state is sampled for the timelines, ms. Default 1000. */
  sampleMs: number;
  /** Where report.json, report.html and report.png go. Default 'bench/results/swarm'. */
  out: string;
  /**
   * Run the viewers in the network lab (lab/: a namespace, address, ISP and caps each; needs root), or on
   * loopback. Default false. Without root the harness says what is missing and runs on loopback.
   */
  lab: boolean;
  /** Lab: ISPs, each its own address block, ASN and country. Default 3. */
  isps: number;
  /** Lab: share of viewers behind a home NAT router, 0..1. Default 0. */
  natShare: number;
  /** Lab: every viewer's uplink and downlink cap, kbit/s (null: none). Default null. */
  uplinkKbps: number | null;
  downlinkKbps: number | null;
  /** Lab: this many viewers (the first to join in each ISP) get `cappedUplinkKbps` instead. Default 0. */
  cappedUploaders: number;
  /** Lab: their uplink cap, kbit/s. Default 500. */
  cappedUplinkKbps: number;
  /**
   * Lab: each ISP's transit capacity for traffic between ISPs, kbit/s each way (0: unlimited). Default null: 1000
   * per viewer of the ISP (lab/README.md, "Transit").
   */
  transitKbps: number | null;
}

export const swarmDefaults: SwarmSettings = {
  viewers: 10,
  mode: 'live',
  duration: 60,
  joinSpread: 10,
  cdnMbps: null,
  cdnViewerMbps: null,
  cdnLatencyMs: 50,
  level: null,
  departures: [],
  originHashes: true,
  cpuHog: 0,
  returning: false,
  sampleMs: 1000,
  out: 'bench/results/swarm',
  lab: false,
  isps: labDefaults.isps,
  natShare: labDefaults.natShare,
  uplinkKbps: null,
  downlinkKbps: null,
  cappedUploaders: 0,
  cappedUplinkKbps: labDefaults.cappedUplinkKbps,
  transitKbps: labDefaults.transitKbps,
};

/** Flags that only mean something in the lab. */
const LAB_FLAGS = [
  'isps',
  'nat-share',
  'uplink-kbps',
  'downlink-kbps',
  'capped-uploaders',
  'capped-uplink-kbps',
  'transit-kbps',
];

export const USAGE = `usage: npm run swarm -- [--viewers N] [--mode live|vod] [--duration S] [--join-spread S]
       [--cdn-mbps X] [--cdn-viewer-mbps X] [--cdn-latency-ms N] [--level N] [--leave VIEWER@S]... [--cpu-hog N]
       [--returning] [--out DIR]
       [--lab [--isps N] [--nat-share X] [--uplink-kbps X] [--downlink-kbps X]
              [--capped-uploaders K] [--capped-uplink-kbps X] [--transit-kbps X]]

Runs N headless viewers twice on the same origin settings — CDN only (p2p=off), then with Peerlane — and
writes DIR/report.json, DIR/report.html and DIR/report.png.
  --viewers N          viewers, each its own browser context                       (default 10)
  --mode live|vod      the looped live stream or the 30 s VoD                        (default live)
  --duration S         seconds each run lasts after the last viewer joined           (default 60)
  --join-spread S      viewers join evenly over S seconds                             (default 10)
  --cdn-mbps X         total CDN cap, Mbit/s: below N × bitrate means congestion      (default none)
  --cdn-viewer-mbps X  per-viewer CDN cap, Mbit/s                                     (default none)
  --cdn-latency-ms N   added CDN time to first byte, ms                               (default 50)
  --level N            pin rendition N (0 = 240p) instead of ABR                      (default ABR)
  --leave V@S          viewer V (1-based, or top-uploader) leaves S seconds into the run; repeatable
  --no-origin-hashes   the origin publishes no segment hashes: trust comes from the signal server's quorum
  --cpu-hog N          N busy processes beside the viewers during both runs           (default 0)
  --returning          each viewer loads the page once (to its first frame) and is measured on its second
                       load: worker installed, scripts cached                         (default: first visits)
  --out DIR            report folder                                                  (default bench/results/swarm)
The network lab (as root; see lab/README.md): each viewer its own Chromium in its own network namespace,
address, ISP (ASN, country) and caps; the signal server and origin on the lab's services address. A lab
invocation runs a third time with the signal server's --ranking random, to compare with matching.
  --lab                run the viewers in the lab (without root: says what is missing, runs on loopback)
  --isps N             ISPs; viewers are dealt to them in turn                        (default ${labDefaults.isps})
  --nat-share X        share of viewers behind a home NAT router (coturn: STUN/TURN)  (default 0)
  --uplink-kbps X      every viewer's uplink cap, kbit/s                              (default none)
  --downlink-kbps X    every viewer's downlink cap, kbit/s                            (default none)
  --capped-uploaders K K viewers (the first to join in each ISP) get a low uplink     (default 0)
  --capped-uplink-kbps X  that low uplink, kbit/s                                     (default ${labDefaults.cappedUplinkKbps})
  --transit-kbps X     each ISP's transit to the other ISPs, kbit/s each way; 0: none (default ${TRANSIT_KBPS_PER_VIEWER} per viewer)`;

export class SettingsError extends Error {}

/** Flags are the settings in kebab-case (`--cdn-mbps` is `cdnMbps`); anything else is an error with the usage. */
export function parseSwarmFlags(argv: string[]): SwarmSettings | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      viewers: { type: 'string' },
      mode: { type: 'string' },
      duration: { type: 'string' },
      'join-spread': { type: 'string' },
      'cdn-mbps': { type: 'string' },
      'cdn-viewer-mbps': { type: 'string' },
      'cdn-latency-ms': { type: 'string' },
      level: { type: 'string' },
      leave: { type: 'string', multiple: true },
      'no-origin-hashes': { type: 'boolean' },
      'cpu-hog': { type: 'string' },
      returning: { type: 'boolean' },
      out: { type: 'string' },
      lab: { type: 'boolean' },
      isps: { type: 'string' },
      'nat-share': { type: 'string' },
      'uplink-kbps': { type: 'string' },
      'downlink-kbps': { type: 'string' },
      'capped-uploaders': { type: 'string' },
      'capped-uplink-kbps': { type: 'string' },
      'transit-kbps': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const stray = LAB_FLAGS.find((flag) => values[flag as keyof typeof values] !== undefined);
  if (stray && !values.lab) throw new SettingsError(`--${stray} needs --lab`);
  const number = (flag: string, value: string | undefined, min: number, integer = false) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || (integer && !Number.isInteger(parsed)))
      throw new SettingsError(
        `--${flag} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${value}'`,
      );
    return parsed;
  };
  const mode = values.mode ?? swarmDefaults.mode;
  if (mode !== 'live' && mode !== 'vod') throw new SettingsError(`--mode must be live or vod, got '${mode}'`);
  const settings: SwarmSettings = {
    ...swarmDefaults,
    viewers: number('viewers', values.viewers, 1, true) ?? swarmDefaults.viewers,
    mode,
    duration: number('duration', values.duration, 5) ?? swarmDefaults.duration,
    joinSpread: number('join-spread', values['join-spread'], 0) ?? swarmDefaults.joinSpread,
    cdnMbps: number('cdn-mbps', values['cdn-mbps'], 0.1) ?? swarmDefaults.cdnMbps,
    cdnViewerMbps: number('cdn-viewer-mbps', values['cdn-viewer-mbps'], 0.1) ?? swarmDefaults.cdnViewerMbps,
    cdnLatencyMs: number('cdn-latency-ms', values['cdn-latency-ms'], 0) ?? swarmDefaults.cdnLatencyMs,
    level: number('level', values.level, 0, true) ?? swarmDefaults.level,
    cpuHog: number('cpu-hog', values['cpu-hog'], 0, true) ?? swarmDefaults.cpuHog,
    returning: values.returning ?? false,
    out: values.out ?? swarmDefaults.out,
    originHashes: !values['no-origin-hashes'],
    lab: values.lab ?? false,
    isps: number('isps', values.isps, 1, true) ?? swarmDefaults.isps,
    natShare: number('nat-share', values['nat-share'], 0) ?? swarmDefaults.natShare,
    uplinkKbps: number('uplink-kbps', values['uplink-kbps'], 8) ?? swarmDefaults.uplinkKbps,
    downlinkKbps: number('downlink-kbps', values['downlink-kbps'], 8) ?? swarmDefaults.downlinkKbps,
    cappedUploaders:
      number('capped-uploaders', values['capped-uploaders'], 0, true) ?? swarmDefaults.cappedUploaders,
    cappedUplinkKbps:
      number('capped-uplink-kbps', values['capped-uplink-kbps'], 8) ?? swarmDefaults.cappedUplinkKbps,
    transitKbps: number('transit-kbps', values['transit-kbps'], 0) ?? swarmDefaults.transitKbps,
  };
  settings.departures = (values.leave ?? []).map((spec) => {
    const [viewer = '', at] = spec.split('@');
    const atSec = number('leave', at, 0);
    const index = viewer === 'top-uploader' ? viewer : Number(viewer);
    const known =
      index === 'top-uploader' || (Number.isInteger(index) && index >= 1 && index <= settings.viewers);
    if (atSec === undefined || !known)
      throw new SettingsError(
        `--leave takes VIEWER@SECONDS, VIEWER top-uploader or 1..${settings.viewers}, got '${spec}'`,
      );
    return { viewer: index, atSec };
  });
  return settings;
}
