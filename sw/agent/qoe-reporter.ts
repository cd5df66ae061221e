// The page's QoE reports to the signal server (PROTOCOL.md "QoE reports"): once playback starts, every
// qoeIntervalMs, when the page is hidden and on unload, over the signaling socket, or by sendBeacon as the last
// resort when the socket is down (hidden, unload). Each
// carries the deltas since the last report sent and the next seq, so a lost report loses its own period and
// none counts twice. The server's answer to the first (QOE-SESSION) is the token every later report carries.
import {
  type QoeClientMessage,
  type QoeReport,
  validateQoeReport,
} from '../../protocol/signaling/qoe-messages';
import type { PeerlaneConfig } from './config';
import type { FrameCounts, MediaObserver } from './media-observer';
import { browserLifecycle, type PageLifecycle } from './page-lifecycle';
import type { PeerlaneEvents, QoeStats } from './peerlane-events';
import { QoeMeter } from './qoe-meter';
import type { TypedEmitter } from './typed-emitter';

/** Reports not due to the timer (playback started, page hidden) wait this long after the previous one. */
const MIN_SPACING_MS = 5_000;

export interface QoeReporterDeps {
  media: Pick<MediaObserver, 'state' | 'frames'>;
  /** Media bytes handed to the player by source, bytes uploaded, open peer connections (as Peerlane.stats()). */
  counters(): { http: number; p2p: number; cache: number; uploaded: number; peers: number };
  /** Over the signaling socket: false while it is not open. */
  send(message: QoeClientMessage): boolean;
  events: TypedEmitter<PeerlaneEvents>;
  /** ms since navigation start. Default performance.now(). */
  now?: () => number;
  /** Default navigator.sendBeacon: false when the browser would not queue it. */
  beacon?: (url: string, body: string) => boolean;
  /** Default the browser's (visibilitychange, pagehide). */
  lifecycle?: PageLifecycle;
}

type Totals = Omit<QoeReport, 'session' | 'seq' | 'final' | 'swarm' | 'startupSec' | 'peers' | 'bitrateKbps'>;
type Reason = 'timer' | 'startup' | 'hidden' | 'unload';

export class QoeReporter {
  private readonly meter: QoeMeter;
  private readonly now: () => number;
  private readonly beacon: (url: string, body: string) => boolean;
  private readonly beaconUrl: string;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly unlisten: () => void;
  private session: string | undefined;
  private seq = 0;
  /** Totals as of the last report sent (all zero at navigation start). */
  private sent: Totals;
  private startupSent = false;
  /** When a report without a token was sent: until QOE-SESSION comes, more would begin another session. */
  private awaitingSince: number | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private reportsSent = 0;

  constructor(
    private readonly config: Pick<PeerlaneConfig, 'signal' | 'qoeIntervalMs'>,
    private readonly deps: QoeReporterDeps,
  ) {
    this.now = deps.now ?? (() => performance.now());
    this.beacon = deps.beacon ?? ((url, body) => navigator.sendBeacon(url, body));
    this.meter = new QoeMeter(this.now());
    this.beaconUrl = beaconUrl(config.signal);
    this.sent = totalsOf(0, this.meter, { dropped: 0, total: 0 }, { http: 0, p2p: 0, cache: 0, uploaded: 0 });
    deps.events.on('segment-loaded', this.onSegment);
    this.timer = setInterval(() => this.report('timer'), config.qoeIntervalMs);
    this.unlisten = (deps.lifecycle ?? browserLifecycle).listen(
      () => this.report('hidden'),
      (persisted) => this.report('unload', !persisted),
    );
  }

  /** A media element's state may have changed: the first frame sends a report at once (startup counts then). */
  mediaChanged(): void {
    const now = this.now();
    this.meter.observe(this.deps.media.state(), now);
    if (!this.startupSent && this.meter.times.startupMs !== null) this.report('startup');
  }

  /** The server's answer to our first report. */
  sessionIssued(token: string): void {
    this.session = token;
    this.awaitingSince = null;
  }

  stats(): QoeStats {
    const now = this.now();
    this.meter.observe(this.deps.media.state(), now);
    const totals = totalsOf(now, this.meter, this.deps.media.frames(), this.deps.counters());
    const { startupMs } = this.meter.times;
    return {
      startupSec: startupMs === null ? null : seconds(startupMs),
      playingSec: totals.playingSec,
      rebufferSec: totals.rebufferSec,
      rebuffers: totals.rebuffers,
      droppedFrames: totals.droppedFrames,
      frames: totals.frames,
      bitrateKbps: Math.round(this.meter.rendition()?.bitrateKbps ?? 0),
      reportsSent: this.reportsSent,
    };
  }

  destroy(): void {
    clearInterval(this.timer);
    this.unlisten();
    this.deps.events.off('segment-loaded', this.onSegment);
  }

  private readonly onSegment = ({ segment, bytes }: PeerlaneEvents['segment-loaded']) =>
    this.meter.delivered(segment, bytes);

  private report(reason: Reason, final = false): void {
    const now = this.now();
    this.meter.observe(this.deps.media.state(), now);
    if (!this.meter.active) return;
    const urgent = reason === 'unload';
    if (!urgent && reason !== 'timer' && now - this.lastSentAt < MIN_SPACING_MS) return;
    // Give the first answer two intervals; if none came (the socket was replaced), begin afresh.
    if (!urgent && this.awaitingSince !== null && now - this.awaitingSince < 2 * this.config.qoeIntervalMs)
      return;
    const counters = this.deps.counters();
    const totals = totalsOf(now, this.meter, this.deps.media.frames(), counters);
    const report = this.build(totals, counters.peers, urgent, final);
    if (!report) return;
    const message: QoeClientMessage = { type: 'QOE-REPORT', payload: report };
    // The socket first, even on unload: Chromium 156 dropped beacons sent at pagehide in some navigations
    // (tests/e2e/qoe-swarm.test.ts) where a socket message sent in the same handler arrived. Never both: a
    // beacon may reach another process, which could not tell it from the socket's copy.
    const viaBeacon = () =>
      report.session !== undefined && this.beacon(this.beaconUrl, JSON.stringify(message));
    const lastResort = reason === 'hidden' || urgent;
    const sent = this.deps.send(message) || (lastResort && viaBeacon());
    if (!sent) return;
    this.sent = totals;
    this.seq = report.seq;
    this.startupSent ||= report.startupSec !== undefined;
    if (report.session === undefined) this.awaitingSince = now;
    this.lastSentAt = now;
    this.reportsSent++;
  }

  /**
   * The next report: deltas since the last one sent; null when nothing is new, unless `always` (the page is
   * going: its last word tells the server the session's time, and with `final` that it ended).
   */
  private build(totals: Totals, peers: number, always: boolean, final: boolean): QoeReport | null {
    const { startupMs } = this.meter.times;
    const startupSec = !this.startupSent && startupMs !== null ? seconds(startupMs) : undefined;
    const deltas = Object.fromEntries(
      Object.entries(totals).map(([name, value]) => [name, round(value - this.sent[name as keyof Totals])]),
    ) as Totals;
    deltas.sessionSec = totals.sessionSec;
    const changed = Object.entries(deltas).some(
      ([name, value]) => name !== 'sessionSec' && name !== 'periodSec' && value > 0,
    );
    if (!changed && startupSec === undefined && !always) return null;
    const rendition = this.meter.rendition();
    const report = validateQoeReport({
      ...(this.session !== undefined && { session: this.session }),
      seq: this.seq + 1,
      ...(final && { final }),
      ...(rendition && { swarm: rendition.swarm }),
      ...deltas,
      ...(startupSec !== undefined && { startupSec }),
      peers,
      bitrateKbps: round(rendition?.bitrateKbps ?? 0),
    });
    // Cannot happen with the values measured here; the server would answer ERROR, which ends a peerjs socket.
    return typeof report === 'string' ? null : report;
  }
}

function totalsOf(
  now: number,
  meter: QoeMeter,
  frames: FrameCounts,
  bytes: { http: number; p2p: number; cache: number; uploaded: number },
): Totals {
  const sessionSec = seconds(now);
  return {
    sessionSec,
    // The period: from the previous report's sessionSec (the build() delta), here the session so far.
    periodSec: sessionSec,
    playingSec: seconds(meter.times.playingMs),
    rebufferSec: seconds(meter.times.rebufferMs),
    rebuffers: meter.times.rebuffers,
    droppedFrames: frames.dropped,
    frames: frames.total,
    httpBytes: bytes.http,
    p2pBytes: bytes.p2p,
    cacheBytes: bytes.cache,
    uploadedBytes: bytes.uploaded,
  };
}

/** 'wss://signal.example.com/p2p' → 'https://signal.example.com/p2p/qoe' (the server's POST <path>qoe). */
export function beaconUrl(signal: string): string {
  const url = new URL(signal);
  url.protocol = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
  url.pathname = `${url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`}qoe`;
  url.search = '';
  url.hash = '';
  return url.href;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
const seconds = (ms: number) => round(ms / 1000);
