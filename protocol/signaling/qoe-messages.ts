// QoE reports: each viewer's session quality (startup, rebuffering, bytes by source…), batched by the page agent
// to the signal server over the PeerJS socket, or by sendBeacon to POST <path>qoe as the last report on unload.
// Declared once with its validators; the server aggregates them (signal-server/qoe/), see PROTOCOL.md "QoE".
import { isValidSwarmKey, MAX_SWARM_KEY_LENGTH } from './swarm-messages';

/**
 * One report covers one **period** of a session: the `periodSec` seconds since the session's previous report
 * (the first: since navigation start). Counters are **deltas** over that period; `seq` numbers the reports of a
 * session 1, 2, 3… so a report at or below the last one the server saw is a duplicate and counted once. A lost
 * report loses its own period only; nothing is ever counted twice.
 */
export interface QoeReport {
  /** The session token from QOE-SESSION; absent until the server issued one (then: a new session). */
  session?: string;
  seq: number;
  /** The session's last report (the page is unloading): later ones are refused. */
  final?: boolean;
  /** Swarm key of the rendition playing (the last one delivered); absent before any media was. */
  swarm?: string;
  /** Seconds from navigation start to this report (cumulative). */
  sessionSec: number;
  periodSec: number;
  /** Navigation start → the first `playing`: only in the one report after playback started. */
  startupSec?: number;
  /** Time playing, time stalled after playback had started (rebuffering), and how often it stalled. */
  playingSec: number;
  rebufferSec: number;
  rebuffers: number;
  /** getVideoPlaybackQuality(): frames dropped, and all frames. */
  droppedFrames: number;
  frames: number;
  /** Media bytes handed to the player by source (as Peerlane.stats()), and bytes uploaded to peers. */
  httpBytes: number;
  p2pBytes: number;
  cacheBytes: number;
  uploadedBytes: number;
  /** At the time of the report: open peer connections, and the media bitrate delivered (0: unknown). */
  peers: number;
  bitrateKbps: number;
}

/** Client → server, on the socket (or as the body of the beacon). */
export type QoeClientMessage = { type: 'QOE-REPORT'; payload: QoeReport };

/** Server → client: the answer to a session's first report. Every later report carries `session`. */
export type QoeServerMessage = { type: 'QOE-SESSION'; payload: { session: string } };

export const QOE_CLIENT_TYPE = 'QOE-REPORT';
export const MAX_QOE_SEQ = 1_000_000;
/** A week: longer "sessions" are a page left open, not a viewing. */
export const MAX_SESSION_SEC = 7 * 86_400;
export const MAX_QOE_PEERS = 1_000;
export const MAX_BITRATE_KBPS = 1_000_000;
/** What a beacon body may weigh (a report is ~400 bytes). */
export const MAX_QOE_REPORT_BYTES = 4_096;
/** Decoders show at most this many frames per second (high-frame-rate video is 120). */
export const MAX_FRAMES_PER_SECOND = 300;
/** Tolerance for two clocks read a few ms apart (timers, media events). */
const SLACK_SEC = 1;

/** `<id>.<mac>`: 22 base64url characters each (128 bits); only the server can make one (HMAC). */
const SESSION_TOKEN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/;

export function isQoeSessionToken(value: unknown): value is string {
  return typeof value === 'string' && SESSION_TOKEN.test(value);
}

const COUNTS = [
  'rebuffers',
  'droppedFrames',
  'frames',
  'httpBytes',
  'p2pBytes',
  'cacheBytes',
  'uploadedBytes',
  'peers',
] as const;
const SECONDS = ['sessionSec', 'periodSec', 'playingSec', 'rebufferSec', 'bitrateKbps'] as const;

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isAmount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * Validates the payload of a QOE-REPORT: the shape and each value's range. Returns the report (known fields
 * only, copied) or what is wrong (human-readable). Whether the values agree with each other: qoeReportProblem.
 */
export function validateQoeReport(payload: unknown): QoeReport | string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return 'needs a payload object';
  const fields = payload as Record<string, unknown>;
  const { session, seq, final, swarm, startupSec } = fields;
  if (session !== undefined && !isQoeSessionToken(session))
    return 'payload.session: the token from QOE-SESSION, or absent';
  if (!isCount(seq) || seq < 1 || seq > MAX_QOE_SEQ) return `payload.seq: an integer 1-${MAX_QOE_SEQ}`;
  if (final !== undefined && typeof final !== 'boolean') return 'payload.final: true, false or absent';
  if (swarm !== undefined && !isValidSwarmKey(swarm))
    return `payload.swarm: a swarm key of 1-${MAX_SWARM_KEY_LENGTH} characters, or absent`;
  for (const name of COUNTS) if (!isCount(fields[name])) return `payload.${name}: an integer ≥ 0`;
  for (const name of SECONDS) if (!isAmount(fields[name])) return `payload.${name}: a number ≥ 0`;
  if (startupSec !== undefined && !isAmount(startupSec)) return 'payload.startupSec: a number ≥ 0, or absent';
  const report = Object.fromEntries(
    [...COUNTS, ...SECONDS].map((name) => [name, fields[name] as number]),
  ) as Record<(typeof COUNTS)[number] | (typeof SECONDS)[number], number>;
  return {
    ...(session !== undefined && { session }),
    seq,
    ...(final === true && { final }),
    ...(swarm !== undefined && { swarm }),
    ...(startupSec !== undefined && { startupSec }),
    ...report,
  };
}

export interface QoePlausibility {
  /** Media bytes (all sources together), and uploaded bytes, per second of the period. */
  maxBytesPerSecond: number;
}

/**
 * Why a well-formed report cannot be true, or null: values that contradict each other or the time they claim
 * to cover (more stalling than time, more bytes than any link carries in the period…).
 */
export function qoeReportProblem(report: QoeReport, limits: QoePlausibility): string | null {
  const { sessionSec, periodSec, playingSec, rebufferSec, startupSec } = report;
  const period = periodSec + SLACK_SEC;
  if (sessionSec > MAX_SESSION_SEC) return `sessionSec over ${MAX_SESSION_SEC}`;
  if (periodSec > sessionSec + SLACK_SEC) return 'periodSec longer than the session';
  if (startupSec !== undefined && startupSec > sessionSec + SLACK_SEC) return 'startupSec after the report';
  if (playingSec + rebufferSec > period * 1.02) return 'playing and rebuffering longer than the period';
  if (report.rebuffers > 2 * period) return 'more than 2 rebuffers per second';
  if (report.droppedFrames > report.frames) return 'more frames dropped than shown';
  if (report.frames > MAX_FRAMES_PER_SECOND * period) return `more than ${MAX_FRAMES_PER_SECOND} frames/s`;
  if (report.peers > MAX_QOE_PEERS) return `more than ${MAX_QOE_PEERS} peers`;
  if (report.bitrateKbps > MAX_BITRATE_KBPS) return `bitrate over ${MAX_BITRATE_KBPS} kbit/s`;
  const maxBytes = limits.maxBytesPerSecond * period;
  if (report.httpBytes + report.p2pBytes + report.cacheBytes > maxBytes)
    return `media bytes over ${limits.maxBytesPerSecond} per second`;
  if (report.uploadedBytes > maxBytes) return `uploaded bytes over ${limits.maxBytesPerSecond} per second`;
  return null;
}

/** For the page agent: narrows a message received on the peerjs socket to QOE-SESSION. */
export function isQoeServerMessage(message: unknown): message is QoeServerMessage {
  const { type, payload } = (message ?? {}) as { type?: unknown; payload?: { session?: unknown } };
  return type === 'QOE-SESSION' && isQoeSessionToken(payload?.session);
}

export function encodeQoeServerMessage(message: QoeServerMessage): string {
  return JSON.stringify(message);
}
