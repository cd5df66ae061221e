// Tells the signal server where this viewer is in the stream and how well it uploads (VIEWER-STATE), so it can
// offer swarm-mates at a compatible position and prefer good uploaders. Every few seconds, only when it changed.
import { VIEWER_STATE_MIN_INTERVAL_MS, type ViewerState } from '../../protocol/signaling/viewer-state';
import type { MediaObserver } from './media-observer';
import type { PeerPool } from './peer-pool';
import type { RenditionTracker } from './rendition-tracker';
import type { SignalClient } from './signal-client';

/** How often the state is looked at; it is sent when it moved (below) or every RESEND_MS anyway. */
const CHECK_MS = Math.max(5_000, VIEWER_STATE_MIN_INTERVAL_MS);
/** Also after a reconnect, when the server forgot it. */
const RESEND_MS = 15_000;
/** A position change below this is not news (live lag jitters by a segment). */
const MOVED_SEC = 4;

interface NetworkInformation {
  type?: string;
}

export class ViewerStateReporter {
  private last: ViewerState | null = null;
  private lastAt = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly signal: Pick<SignalClient, 'send'>,
    private readonly media: Pick<MediaObserver, 'position'>,
    private readonly renditions: Pick<RenditionTracker, 'live'>,
    private readonly pool: Pick<PeerPool, 'uplinkKbps'>,
  ) {
    this.timer = setInterval(() => this.check(), CHECK_MS);
  }

  private check(): void {
    const state = this.current();
    if (!state || !this.changed(state)) return;
    // False while offline: tried again at the next check.
    if (this.signal.send({ type: 'VIEWER-STATE', payload: state })) {
      this.last = state;
      this.lastAt = Date.now();
    }
  }

  private current(): ViewerState | null {
    const position = this.media.position();
    if (!position) return null;
    const connection = (navigator as Navigator & { connection?: NetworkInformation }).connection;
    const state: ViewerState = {
      live: this.renditions.live,
      uplinkKbps: this.pool.uplinkKbps,
      cellular: connection?.type === 'cellular',
    };
    if (state.live)
      state.lagSec = Math.max(0, (position.seekableEnd ?? position.currentTime) - position.currentTime);
    else state.positionSec = Math.max(0, position.currentTime);
    return state;
  }

  private changed(state: ViewerState): boolean {
    const last = this.last;
    if (!last || Date.now() - this.lastAt >= RESEND_MS) return true;
    const moved = (a?: number, b?: number) => Math.abs((a ?? 0) - (b ?? 0)) >= MOVED_SEC;
    const uplinkMoved =
      (last.uplinkKbps === null) !== (state.uplinkKbps === null) ||
      Math.abs((last.uplinkKbps ?? 0) - (state.uplinkKbps ?? 0)) > 0.2 * (last.uplinkKbps ?? 0);
    if (last.live !== state.live || last.cellular !== state.cellular || uplinkMoved) return true;
    // VoD moves by itself while playing: news only when it left where playback would have taken it.
    return state.live
      ? moved(last.lagSec, state.lagSec)
      : moved((last.positionSec ?? 0) + (Date.now() - this.lastAt) / 1000, state.positionSec);
  }

  destroy(): void {
    clearInterval(this.timer);
  }
}
