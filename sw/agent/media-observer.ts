// Watches the page's <video>/<audio> elements (no player API): how many seconds are buffered past the playhead,
// whether playback is draining that buffer, how often it stalled, and the frames shown and dropped. Feeds the
// scheduler's deadlines and the QoE reports.

/**
 * - idle: no media element is playing or about to (nothing to protect);
 * - startup: play was requested (or autoplay is on) but no frame shown yet (the viewer waits for the first segments);
 * - playing: the buffer drains in real time;
 * - stalled: playback started, then ran out of data (waiting);
 * - paused: the buffer is not draining.
 */
export type PlaybackPhase = 'idle' | 'startup' | 'playing' | 'stalled' | 'paused';

export interface PlaybackState {
  phase: PlaybackPhase;
  /** Seconds buffered past the playhead of the element that plays (0 when none). */
  bufferAheadSec: number;
  /** Times playback stopped for lack of data after it had started (seeks excluded). */
  stalls: number;
}

const MEDIA_SELECTOR = 'video, audio';
/** Events after which the state may have changed; timeupdate (≈4 Hz while playing) keeps it fresh. */
const WATCHED_EVENTS = [
  'play',
  'playing',
  'pause',
  'waiting',
  'seeking',
  'seeked',
  'ended',
  'emptied',
  'progress',
  'timeupdate',
];

interface Watched {
  started: boolean;
  onEvent: (event: Event) => void;
  /** Its getVideoPlaybackQuality() counts when last read. */
  frames: FrameCounts;
}

/** Video frames shown (decoded) and dropped, as getVideoPlaybackQuality() counts them. */
export interface FrameCounts {
  dropped: number;
  total: number;
}

/**
 * Adds what `quality` counts beyond `seen` to `totals` and remembers it. Counts that went back mean the
 * element got a new source (they restart from 0).
 */
export function addFrames(totals: FrameCounts, seen: FrameCounts, quality: FrameCounts): void {
  const restarted = quality.total < seen.total || quality.dropped < seen.dropped;
  totals.dropped += quality.dropped - (restarted ? 0 : seen.dropped);
  totals.total += quality.total - (restarted ? 0 : seen.total);
  seen.dropped = quality.dropped;
  seen.total = quality.total;
}

/** What one element shows, read at a moment. */
export interface MediaSample {
  paused: boolean;
  /** The element will start by itself once it has data (the `autoplay` attribute): paused only until then. */
  autoplay: boolean;
  ended: boolean;
  seeking: boolean;
  readyState: number;
  /** It showed a frame since its source was (re)set. */
  started: boolean;
  bufferAheadSec: number;
}

/** HTMLMediaElement.HAVE_FUTURE_DATA: the element can advance; below it, it waits for data. */
const HAVE_FUTURE_DATA = 3;
const PHASE_RANK: Record<PlaybackPhase, number> = { idle: 0, paused: 1, startup: 2, stalled: 3, playing: 4 };

export function phaseOf(sample: MediaSample): PlaybackPhase {
  if (sample.ended) return 'idle';
  // Autoplay: paused only until enough is buffered — a viewer is waiting for the first frame already.
  if (sample.paused) return sample.started ? 'paused' : sample.autoplay ? 'startup' : 'idle';
  if (!sample.started) return 'startup';
  return sample.readyState >= HAVE_FUTURE_DATA || sample.seeking ? 'playing' : 'stalled';
}

/** The page's state is that of the element that plays; among equals, the one with the least buffer (most at risk). */
export function summarize(samples: readonly MediaSample[], stalls: number): PlaybackState {
  let best: PlaybackState = { phase: 'idle', bufferAheadSec: 0, stalls };
  for (const sample of samples) {
    const phase = phaseOf(sample);
    const rank = PHASE_RANK[phase] - PHASE_RANK[best.phase];
    if (rank > 0 || (rank === 0 && sample.bufferAheadSec < best.bufferAheadSec)) {
      best = { phase, bufferAheadSec: sample.bufferAheadSec, stalls };
    }
  }
  return best;
}

/** Seconds buffered from `currentTime` to the end of the range that contains it. */
export function bufferedAhead(element: HTMLMediaElement): number {
  const { buffered, currentTime } = element;
  for (let index = 0; index < buffered.length; index++) {
    // A small tolerance: after a seek the playhead can sit a few ms before the first buffered frame.
    if (buffered.start(index) <= currentTime + 0.1 && currentTime < buffered.end(index)) {
      return buffered.end(index) - currentTime;
    }
  }
  return 0;
}

export class MediaObserver {
  private readonly watched = new Map<HTMLMediaElement, Watched>();
  private readonly mutations: MutationObserver;
  private stalls = 0;
  private readonly frameTotals: FrameCounts = { dropped: 0, total: 0 };

  /** `onChange` runs (synchronously) whenever an element's playback or buffer may have changed. */
  constructor(
    root: Document,
    private readonly onChange: () => void,
  ) {
    this.mutations = new MutationObserver((records) => this.onMutations(records));
    this.mutations.observe(root.documentElement, { childList: true, subtree: true });
    for (const element of root.querySelectorAll<HTMLMediaElement>(MEDIA_SELECTOR)) this.watch(element);
  }

  state(): PlaybackState {
    const samples = [...this.watched].map(([element, watched]) => ({
      paused: element.paused,
      autoplay: element.autoplay,
      ended: element.ended,
      seeking: element.seeking,
      readyState: element.readyState,
      started: watched.started,
      bufferAheadSec: bufferedAhead(element),
    }));
    return summarize(samples, this.stalls);
  }

  /** Where the element that plays is: its playhead and the end of what it may seek to (a live stream's edge). */
  position(): { currentTime: number; seekableEnd: number | null } | null {
    const elements = [...this.watched.keys()];
    const element = elements.find((candidate) => !candidate.paused) ?? elements[0];
    if (!element) return null;
    const { seekable, currentTime } = element;
    return { currentTime, seekableEnd: seekable.length > 0 ? seekable.end(seekable.length - 1) : null };
  }

  /** Frames shown and dropped by every video watched so far, since the page loaded. */
  frames(): FrameCounts {
    for (const [element, watched] of this.watched) this.readFrames(element, watched);
    return { ...this.frameTotals };
  }

  private readFrames(element: HTMLMediaElement, watched: Watched): void {
    if (!(element instanceof HTMLVideoElement) || !element.getVideoPlaybackQuality) return;
    const quality = element.getVideoPlaybackQuality();
    addFrames(this.frameTotals, watched.frames, {
      dropped: quality.droppedVideoFrames,
      total: quality.totalVideoFrames,
    });
  }

  private onMutations(records: MutationRecord[]): void {
    for (const record of records) {
      for (const node of record.addedNodes) for (const element of mediaIn(node)) this.watch(element);
      for (const node of record.removedNodes)
        for (const element of mediaIn(node)) if (!element.isConnected) this.unwatch(element);
    }
  }

  private watch(element: HTMLMediaElement): void {
    if (this.watched.has(element)) return;
    const watched: Watched = {
      frames: { dropped: 0, total: 0 },
      // An element that already played before we arrived (script loaded late) counts as started.
      started: element.currentTime > 0 || (!element.paused && element.readyState >= HAVE_FUTURE_DATA),
      onEvent: (event) => {
        if (event.type === 'playing') watched.started = true;
        if (event.type === 'emptied') watched.started = false;
        if (event.type === 'waiting' && watched.started && !element.seeking) this.stalls++;
        this.onChange();
      },
    };
    this.watched.set(element, watched);
    for (const type of WATCHED_EVENTS) element.addEventListener(type, watched.onEvent);
    this.onChange();
  }

  private unwatch(element: HTMLMediaElement): void {
    const watched = this.watched.get(element);
    if (!watched) return;
    this.readFrames(element, watched);
    for (const type of WATCHED_EVENTS) element.removeEventListener(type, watched.onEvent);
    this.watched.delete(element);
  }

  destroy(): void {
    this.mutations.disconnect();
    for (const element of [...this.watched.keys()]) this.unwatch(element);
  }
}

function mediaIn(node: Node): HTMLMediaElement[] {
  if (node instanceof HTMLMediaElement) return [node];
  if (node instanceof Element) return [...node.querySelectorAll<HTMLMediaElement>(MEDIA_SELECTOR)];
  return [];
}
