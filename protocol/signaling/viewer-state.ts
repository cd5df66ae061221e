// VIEWER-STATE: what a viewer tells the signal server about itself so swarm-mates can be matched by playback
// position and upload capacity (see swarm-messages.ts for the swarms themselves). Shared with the page agent.

/** Client → server: one connection's current playback and upload capacity. No answer. */
export interface ViewerStateMessage {
  type: 'VIEWER-STATE';
  payload: ViewerState;
}

export interface ViewerState {
  /** Playing a live stream (position is `lagSec`) or VoD (position is `positionSec`). */
  live: boolean;
  /** Live: seconds behind the newest segment's end in its playlist (0 = at the edge). */
  lagSec?: number;
  /** VoD: the playhead, seconds from the start. */
  positionSec?: number;
  /** Upload rate this viewer achieved while its uplink was the bottleneck, kbit/s; null: never saturated yet. */
  uplinkKbps: number | null;
  /** The browser says its connection is cellular (Network Information API): not preferred as an uploader. */
  cellular: boolean;
}

/**
 * Below this measured upload rate a viewer cannot serve one stream to one peer in time: the server offers it last
 * within its tier, and its swarm-mates let it fetch from the network last at a live edge.
 */
export const LOW_UPLINK_KBPS = 1500;

/** A client sends at most one per this interval (the agent: one every few seconds, when something changed). */
export const VIEWER_STATE_MIN_INTERVAL_MS = 2_000;
const MAX_LAG_SEC = 24 * 3600;
const MAX_POSITION_SEC = 7 * 24 * 3600;
const MAX_UPLINK_KBPS = 10_000_000;

const inRange = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max;

/** The typed message (known fields only, copied), or what is wrong with the payload (human-readable). */
export function validateViewerState(payload: unknown): ViewerStateMessage | string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return 'expected an object payload';
  const { live, lagSec, positionSec, uplinkKbps, cellular } = payload as Record<string, unknown>;
  if (typeof live !== 'boolean') return 'payload.live must be true or false';
  if (typeof cellular !== 'boolean') return 'payload.cellular must be true or false';
  if (uplinkKbps !== null && !inRange(uplinkKbps, MAX_UPLINK_KBPS))
    return `payload.uplinkKbps must be null or a number 0-${MAX_UPLINK_KBPS}`;
  const state: ViewerState = { live, uplinkKbps, cellular };
  if (live) {
    if (!inRange(lagSec, MAX_LAG_SEC)) return `payload.lagSec must be a number 0-${MAX_LAG_SEC} when live`;
    state.lagSec = lagSec;
  } else {
    if (!inRange(positionSec, MAX_POSITION_SEC))
      return `payload.positionSec must be a number 0-${MAX_POSITION_SEC} when not live`;
    state.positionSec = positionSec;
  }
  return { type: 'VIEWER-STATE', payload: state };
}
