// The peerlane_qoe_* metrics on the server's registry: what viewers reported, labelled by swarm, ASN and
// country (qoe-labels.ts keeps those few), plus how reports fared. Each process exports what its own
// connections and beacons reported; Prometheus sums the processes of a cluster.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QoeReport } from '../../protocol/signaling/qoe-messages';
import type { QoeLabels } from './qoe-labels';

const PREFIX = 'peerlane_qoe_';
const LABELS = ['swarm', 'asn', 'country'] as const;
const SOURCES = ['http', 'p2p', 'cache'] as const;
/** Startup, s: 0.25 s (cached, local) to a minute (a viewer who gave up long before). */
const STARTUP_BUCKETS = [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 20, 30, 60];
/** Bitrate, bit/s: audio-only to 4K. */
const BITRATE_BUCKETS = [2.5e5, 5e5, 1e6, 2e6, 3e6, 5e6, 8e6, 12e6, 20e6, 40e6];

export type QoeChannel = 'socket' | 'beacon';

/**
 * accepted; duplicate (seq already seen); rate-limited; malformed (shape); implausible (values that cannot be
 * true); bad-session (token not ours); other-session (a connection reporting for two sessions); ended (after
 * its final report); off (--qoe=false).
 */
export type QoeResult =
  | 'accepted'
  | 'duplicate'
  | 'rate-limited'
  | 'malformed'
  | 'implausible'
  | 'bad-session'
  | 'other-session'
  | 'ended'
  | 'off';

export interface QoeMetrics {
  sessionStarted(labels: QoeLabels): void;
  startup(labels: QoeLabels, seconds: number): void;
  period(labels: QoeLabels, report: QoeReport): void;
  /** Removes every series of a label set (its swarm or ASN left the top). */
  forget(labels: QoeLabels): void;
  result(channel: QoeChannel, result: QoeResult): void;
  logged(result: 'written' | 'dropped', records: number): void;
}

export function createQoeMetrics(registry: Registry, trackedSessions: () => number): QoeMetrics {
  const registers = [registry];
  const counter = (name: string, help: string) =>
    new Counter({ name: `${PREFIX}${name}`, help, labelNames: LABELS, registers });
  const sessions = counter(
    'sessions_total',
    'Viewing sessions that reported (counted once, where they began)',
  );
  const startup = new Histogram({
    name: `${PREFIX}startup_seconds`,
    help: 'Navigation start to the first frame playing, per session',
    labelNames: LABELS,
    buckets: STARTUP_BUCKETS,
    registers,
  });
  const watch = counter('watch_seconds_total', 'Time media played');
  const rebufferTime = counter('rebuffer_seconds_total', 'Time stalled after playback had started');
  const rebuffers = counter('rebuffers_total', 'Stalls after playback had started');
  const dropped = counter('dropped_frames_total', 'Video frames dropped (getVideoPlaybackQuality)');
  const frames = counter('frames_total', 'Video frames shown or dropped');
  const sessionTime = counter('session_seconds_total', 'Time covered by reports (pages open with Peerlane)');
  const peerTime = counter(
    'peer_seconds_total',
    'Open peer connections × time (÷ session seconds = mean peers)',
  );
  const uploaded = counter('uploaded_bytes_total', 'Bytes viewers uploaded to peers');
  const media = new Counter({
    name: `${PREFIX}media_bytes_total`,
    help: 'Media bytes handed to players, by source: http (origin/CDN), p2p (peers), cache (local)',
    labelNames: [...LABELS, 'source'],
    registers,
  });
  const bitrate = new Histogram({
    name: `${PREFIX}bitrate_bits_per_second`,
    help: 'Media bitrate delivered, one observation per report that played (≈ per 30 s of playback)',
    labelNames: LABELS,
    buckets: BITRATE_BUCKETS,
    registers,
  });
  const reports = new Counter({
    name: `${PREFIX}reports_total`,
    help: 'QoE reports by channel (socket, beacon) and result (accepted, duplicate, rate-limited, malformed, implausible, bad-session, other-session, ended, off)',
    labelNames: ['channel', 'result'],
    registers,
  });
  const logRecords = new Counter({
    name: `${PREFIX}log_records_total`,
    help: '--qoe-log records written, or dropped (the file could not keep up or failed)',
    labelNames: ['result'],
    registers,
  });
  new Gauge({
    name: `${PREFIX}tracked_sessions`,
    help: 'QoE sessions this process remembers (for duplicates, clocks and rates)',
    registers,
    collect() {
      this.set(trackedSessions());
    },
  });
  const labelled = [
    sessions,
    watch,
    rebufferTime,
    rebuffers,
    dropped,
    frames,
    sessionTime,
    peerTime,
    uploaded,
  ];

  return {
    sessionStarted: (labels) => sessions.inc({ ...labels }),
    startup: (labels, seconds) => startup.observe({ ...labels }, seconds),
    period: (labels, report) => {
      const add = (metric: Counter<string>, value: number) => {
        if (value > 0) metric.inc({ ...labels }, value);
      };
      add(watch, report.playingSec);
      add(rebufferTime, report.rebufferSec);
      add(rebuffers, report.rebuffers);
      add(dropped, report.droppedFrames);
      add(frames, report.frames);
      add(sessionTime, report.periodSec);
      add(peerTime, report.peers * report.periodSec);
      add(uploaded, report.uploadedBytes);
      const bytes = { http: report.httpBytes, p2p: report.p2pBytes, cache: report.cacheBytes };
      for (const source of SOURCES) if (bytes[source] > 0) media.inc({ ...labels, source }, bytes[source]);
      if (report.bitrateKbps > 0 && report.playingSec > 0)
        bitrate.observe({ ...labels }, report.bitrateKbps * 1000);
    },
    forget: (labels) => {
      for (const metric of labelled) metric.remove({ ...labels });
      startup.remove({ ...labels });
      bitrate.remove({ ...labels });
      for (const source of SOURCES) media.remove({ ...labels, source });
    },
    result: (channel, result) => reports.inc({ channel, result }),
    logged: (result, records) => logRecords.inc({ result }, records),
  };
}
