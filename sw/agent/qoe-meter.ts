// A viewer's playback quality as it happens, read from the page's media elements (player-agnostic) and from
// the segments the agent handed the player: time to the first frame, time playing and stalled, stalls, and
// the bitrate of what plays. Pure: the clock (performance.now(), ms since navigation start) is passed in.
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import type { PlaybackPhase, PlaybackState } from './media-observer';

/** Timed segments the bitrate is measured over: enough to smooth, few enough to follow a switch within seconds. */
const BITRATE_WINDOW = 12;

export interface PlaybackTimes {
  /** When the first frame played (ms since navigation start); null before. */
  startupMs: number | null;
  playingMs: number;
  /** Time stalled after playback had started (the phase 'stalled'). */
  rebufferMs: number;
  /** Stalls (the media observer's count: `waiting` after playback started, seeks excluded). */
  rebuffers: number;
}

export class QoeMeter {
  readonly times: PlaybackTimes = { startupMs: null, playingMs: 0, rebufferMs: 0, rebuffers: 0 };
  /** Something happened worth reporting: a play request, a frame, or media delivered. */
  active = false;
  private phase: PlaybackPhase = 'idle';
  private since: number;
  private stallsSeen = 0;
  private readonly recent: { swarm: string; bits: number; sec: number }[] = [];

  constructor(now: number) {
    this.since = now;
  }

  /** The media elements' state at `now`: called on every media event, and before every report. */
  observe(state: PlaybackState, now: number): void {
    this.advance(now);
    if (state.phase !== 'idle') this.active = true;
    if (state.phase === 'playing' && this.times.startupMs === null) this.times.startupMs = now;
    this.times.rebuffers += Math.max(0, state.stalls - this.stallsSeen);
    this.stallsSeen = state.stalls;
    this.phase = state.phase;
  }

  /** A segment handed to the player (`bytes` of it). */
  delivered(segment: SegmentRef, bytes: number): void {
    this.active = true;
    if (segment.durationSec <= 0) return;
    this.recent.push({ swarm: segment.swarm, bits: bytes * 8, sec: segment.durationSec });
    if (this.recent.length > BITRATE_WINDOW) this.recent.shift();
  }

  /**
   * What plays: of the renditions delivered lately, the one with the most bytes (video outweighs a separate
   * audio rendition; after a switch the new one takes over), with its bitrate. Null before any timed segment.
   */
  rendition(): { swarm: string; bitrateKbps: number } | null {
    const bySwarm = new Map<string, { bits: number; sec: number }>();
    for (const { swarm, bits, sec } of this.recent) {
      const sum = bySwarm.get(swarm) ?? { bits: 0, sec: 0 };
      sum.bits += bits;
      sum.sec += sec;
      bySwarm.set(swarm, sum);
    }
    let best: { swarm: string; bitrateKbps: number; bits: number } | null = null;
    for (const [swarm, { bits, sec }] of bySwarm)
      if (!best || bits > best.bits) best = { swarm, bitrateKbps: bits / sec / 1000, bits };
    return best && { swarm: best.swarm, bitrateKbps: best.bitrateKbps };
  }

  private advance(now: number): void {
    const elapsed = Math.max(0, now - this.since);
    this.since = now;
    if (this.phase === 'playing') this.times.playingMs += elapsed;
    else if (this.phase === 'stalled') this.times.rebufferMs += elapsed;
  }
}
