// The schema of --qoe-log: one record per accepted report, built here field by field, so every line has every
// field in the same order whatever the report left out (PROTOCOL.md "QoE log" documents it for consumers).
import type { QoeReport } from '../../protocol/signaling/qoe-messages';
import type { QoeChannel } from './qoe-metrics';

/** The report's own fields, as the report has them (the optional ones are the log's head or made explicit). */
type ReportFields = Omit<QoeReport, 'session' | 'final' | 'swarm' | 'startupSec'>;

/** One line of the log: every field always present, in the order logRecord writes them (PROTOCOL.md "QoE log"). */
export interface QoeLogRecord extends ReportFields {
  /** When the server accepted the report (ISO 8601, UTC). */
  time: string;
  /** The process (cluster mode), else null. */
  node: string | null;
  /** The session's id (the first half of its token: never the token, which would let a reader report for it). */
  session: string;
  /** This report began the session (counted in peerlane_qoe_sessions_total). */
  new: boolean;
  channel: QoeChannel;
  final: boolean;
  /** The full swarm key (no label bounds here), null before any media was delivered. */
  swarm: string | null;
  asn: number | null;
  country: string | null;
  startupSec: number | null;
}

export function logRecord(
  head: Pick<QoeLogRecord, 'time' | 'node' | 'session' | 'new' | 'channel' | 'swarm' | 'asn' | 'country'>,
  report: QoeReport,
): QoeLogRecord {
  const { time, node, session, channel, swarm, asn, country } = head;
  return {
    time,
    node,
    session,
    new: head.new,
    channel,
    final: report.final === true,
    swarm,
    asn,
    country,
    seq: report.seq,
    sessionSec: report.sessionSec,
    periodSec: report.periodSec,
    startupSec: report.startupSec ?? null,
    playingSec: report.playingSec,
    rebufferSec: report.rebufferSec,
    rebuffers: report.rebuffers,
    droppedFrames: report.droppedFrames,
    frames: report.frames,
    httpBytes: report.httpBytes,
    p2pBytes: report.p2pBytes,
    cacheBytes: report.cacheBytes,
    uploadedBytes: report.uploadedBytes,
    peers: report.peers,
    bitrateKbps: report.bitrateKbps,
  };
}
