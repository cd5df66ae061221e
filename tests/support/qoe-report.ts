// A plausible QoE report for tests (10 s of a session: 8 s playing, one short stall, bytes from CDN and peers),
// with any field overridden.
import type { QoeReport } from '../../protocol/signaling/qoe-messages';

export function qoeReport(fields: Partial<QoeReport> = {}): QoeReport {
  return {
    seq: 1,
    swarm: 'https://cdn.example/vod/title/720p/index.m3u8',
    sessionSec: 10,
    periodSec: 10,
    startupSec: 1.2,
    playingSec: 8,
    rebufferSec: 0.5,
    rebuffers: 1,
    droppedFrames: 2,
    frames: 240,
    httpBytes: 1_000,
    p2pBytes: 3_000,
    cacheBytes: 0,
    uploadedBytes: 500,
    peers: 2,
    bitrateKbps: 800,
    ...fields,
  };
}

export function qoeMessage(fields: Partial<QoeReport> = {}): { type: 'QOE-REPORT'; payload: QoeReport } {
  return { type: 'QOE-REPORT', payload: qoeReport(fields) };
}
