// The page's QoE reports: measured from the media elements and the deliveries, sent when playback starts, every
// interval and when hidden, as deltas numbered by seq (never the same period twice), the last one by beacon.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import {
  type QoeClientMessage,
  type QoeReport,
  qoeReportProblem,
  validateQoeReport,
} from '../../protocol/signaling/qoe-messages';
import type { FrameCounts, PlaybackPhase, PlaybackState } from '../../sw/agent/media-observer';
import type { PeerlaneEvents } from '../../sw/agent/peerlane-events';
import { QoeMeter } from '../../sw/agent/qoe-meter';
import { beaconUrl, QoeReporter } from '../../sw/agent/qoe-reporter';
import { TypedEmitter } from '../../sw/agent/typed-emitter';

const TOKEN = `${'a'.repeat(22)}.${'b'.repeat(22)}`;
const INTERVAL = 30_000;

function segment(swarm: string, durationSec: number): SegmentRef {
  return {
    id: `${swarm}#${Math.random()}`,
    swarm,
    url: 'https://cdn/x',
    range: null,
    durationSec,
    sequence: 1,
  };
}

function state(phase: PlaybackPhase, stalls = 0): PlaybackState {
  return { phase, bufferAheadSec: 0, stalls };
}

describe('QoeMeter', () => {
  it('times startup, playing and stalling from the playback phases, and counts stalls', () => {
    const meter = new QoeMeter(0);
    meter.observe(state('idle'), 100);
    expect(meter.active).toBe(false);
    meter.observe(state('startup'), 500);
    meter.observe(state('playing'), 1_700);
    meter.observe(state('stalled', 1), 5_700);
    meter.observe(state('playing', 1), 6_200);
    meter.observe(state('paused', 1), 8_200);
    meter.observe(state('paused', 1), 20_000);
    expect(meter.times).toEqual({ startupMs: 1_700, playingMs: 6_000, rebufferMs: 500, rebuffers: 1 });
    expect(meter.active).toBe(true);
  });

  it('reports the rendition delivering the most bytes lately, and its bitrate', () => {
    const meter = new QoeMeter(0);
    expect(meter.rendition()).toBeNull();
    for (let n = 0; n < 4; n++) {
      meter.delivered(segment('video-480p', 4), 500_000);
      meter.delivered(segment('audio', 4), 64_000);
    }
    meter.delivered(segment('init', 0), 1_000);
    expect(meter.rendition()).toEqual({ swarm: 'video-480p', bitrateKbps: 1_000 });
    for (let n = 0; n < 8; n++) meter.delivered(segment('video-720p', 4), 1_000_000);
    expect(meter.rendition()).toEqual({ swarm: 'video-720p', bitrateKbps: 2_000 });
  });
});

describe('QoeReporter', () => {
  let now: number;
  let phase: PlaybackState;
  let frames: FrameCounts;
  let bytes: { http: number; p2p: number; cache: number; uploaded: number; peers: number };
  let online: boolean;
  let sent: QoeReport[];
  let beacons: { url: string; report: QoeReport }[];
  let lifecycle: { hidden: () => void; unload: (persisted: boolean) => void; removed: boolean };
  let events: TypedEmitter<PeerlaneEvents>;
  let reporter: QoeReporter;

  beforeEach(() => {
    vi.useFakeTimers();
    now = 1_000;
    phase = state('idle');
    frames = { dropped: 0, total: 0 };
    bytes = { http: 0, p2p: 0, cache: 0, uploaded: 0, peers: 0 };
    online = true;
    sent = [];
    beacons = [];
    lifecycle = { hidden: () => {}, unload: () => {}, removed: false };
    events = new TypedEmitter<PeerlaneEvents>();
    reporter = new QoeReporter(
      { signal: 'wss://signal.example/p2p', qoeIntervalMs: INTERVAL },
      {
        media: { state: () => phase, frames: () => frames },
        counters: () => bytes,
        send: (message: QoeClientMessage) => online && sent.push(message.payload) > 0,
        events,
        now: () => now,
        beacon: (url, body) => beacons.push({ url, report: JSON.parse(body).payload }) > 0,
        lifecycle: {
          listen: (hidden, unload) => {
            Object.assign(lifecycle, { hidden, unload });
            return () => {
              lifecycle.removed = true;
            };
          },
        },
      },
    );
  });

  afterEach(() => {
    reporter.destroy();
    vi.useRealTimers();
  });

  /** Moves the page clock and the timers together. */
  const advance = (ms: number) => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };
  const media = (next: PlaybackState) => {
    phase = next;
    reporter.mediaChanged();
  };
  const deliver = (source: 'http' | 'p2p', size: number) => {
    bytes[source] += size;
    events.emit('segment-loaded', { segment: segment('video', 4), source, bytes: size, ms: 10 });
  };

  it('reports at the first frame, then every interval with what changed since, carrying its session token', () => {
    advance(INTERVAL);
    expect(sent, 'nothing happened yet').toEqual([]);
    media(state('startup'));
    deliver('http', 400_000);
    advance(1_500);
    media(state('playing'));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      seq: 1,
      startupSec: 32.5,
      sessionSec: 32.5,
      periodSec: 32.5,
      httpBytes: 400_000,
    });
    expect(sent[0]).not.toHaveProperty('session');
    expect(sent[0]?.swarm).toBe('video');

    // No token yet: a second report would begin a second session.
    deliver('p2p', 300_000);
    advance(INTERVAL - 1_500);
    expect(sent).toHaveLength(1);
    reporter.sessionIssued(TOKEN);
    advance(INTERVAL);
    expect(sent).toHaveLength(2);
    // The timer's second tick since: 91 s after navigation, 58.5 s after the first report, all of it playing.
    expect(sent[1]).toMatchObject({
      session: TOKEN,
      seq: 2,
      httpBytes: 0,
      p2pBytes: 300_000,
      sessionSec: 91,
    });
    expect(sent[1]).toMatchObject({ periodSec: 58.5, playingSec: 58.5 });
    expect(sent[1]).not.toHaveProperty('startupSec');
    for (const report of sent) {
      expect(validateQoeReport(report)).toEqual(report);
      expect(qoeReportProblem(report, { maxBytesPerSecond: 125e6 })).toBeNull();
    }
  });

  it('keeps what it could not send for the next report, and sends nothing when nothing changed', () => {
    media(state('playing'));
    reporter.sessionIssued(TOKEN);
    media(state('paused'));
    online = false;
    deliver('http', 1_000);
    advance(INTERVAL);
    expect(sent).toHaveLength(1);
    online = true;
    deliver('http', 2_000);
    advance(INTERVAL);
    expect(sent.map((report) => [report.seq, report.httpBytes, report.periodSec])).toEqual([
      [1, 0, 1],
      [2, 3_000, 60],
    ]);
    advance(INTERVAL);
    expect(sent).toHaveLength(2);
  });

  it('reports when hidden and on unload, final, by beacon when the socket is down', () => {
    media(state('playing'));
    reporter.sessionIssued(TOKEN);
    advance(10_000);
    lifecycle.hidden();
    expect(sent.map((report) => report.seq)).toEqual([1, 2]);
    online = false;
    advance(10_000);
    lifecycle.hidden();
    advance(1_000);
    frames = { dropped: 3, total: 300 };
    lifecycle.unload(false);
    expect(beacons.map(({ report }) => [report.seq, report.final ?? false, report.droppedFrames])).toEqual([
      [3, false, 0],
      [4, true, 3],
    ]);
    expect(beacons[0]?.url).toBe('https://signal.example/p2p/qoe');
    expect(reporter.stats()).toMatchObject({ reportsSent: 4, droppedFrames: 3, rebuffers: 0 });
    reporter.destroy();
    expect(lifecycle.removed).toBe(true);
  });

  it('always sends a last report on pagehide, over the socket while it is open, final unless the page may come back', () => {
    media(state('playing'));
    reporter.sessionIssued(TOKEN);
    media(state('idle'));
    lifecycle.unload(true);
    lifecycle.unload(false);
    expect(sent.map((report) => [report.seq, report.final ?? false, report.playingSec])).toEqual([
      [1, false, 0],
      [2, false, 0],
      [3, true, 0],
    ]);
    expect(beacons).toEqual([]);
  });

  it('sends no beacon without a session token: nothing would prove whose it is', () => {
    media(state('playing'));
    online = false;
    lifecycle.unload(false);
    expect(beacons).toEqual([]);
  });
});

describe('beaconUrl', () => {
  it('is the signal server’s POST <path>qoe over HTTP(S)', () => {
    expect(beaconUrl('wss://signal.example.com/p2p')).toBe('https://signal.example.com/p2p/qoe');
    expect(beaconUrl('ws://localhost:9000/')).toBe('http://localhost:9000/qoe');
    expect(beaconUrl('https://s.example/?x=1')).toBe('https://s.example/qoe');
  });
});
