// The page API's stats and events (Peerlane.stats(), Peerlane.on()): what a site reads about delivery and peers.
import type { DeliverySource } from '../../protocol/bridge/bridge-messages';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import type { PeerlaneError } from './errors';

export interface PeerlaneStats {
  /** Media segment bytes handed to the player, by origin. A segment prefetched from a peer counts as p2p when played. */
  httpBytes: number;
  p2pBytes: number;
  cacheBytes: number;
  /** Bytes of segments sent (completely) to peers. */
  uploadedBytes: number;
  /** Open peer connections. */
  peers: number;
  /** Our id at the signal server, null while offline. */
  peerId: string | null;
  /** Peers banned this session: bad bytes, a hash that contradicts a trusted one, or protocol abuse. */
  bannedPeers: string[];
  /** Playback stalls seen on the page's media elements. */
  stalls: number;
  bufferAheadSec: number;
  /** This viewer's playback quality so far, as its QoE reports tell the signal server; null with `qoe: false`. */
  qoe: QoeStats | null;
}

/** This viewer's QoE so far (Peerlane.stats().qoe): what its reports add up to. */
export interface QoeStats {
  /** Navigation start to the first frame, s; null before. */
  startupSec: number | null;
  playingSec: number;
  rebufferSec: number;
  rebuffers: number;
  droppedFrames: number;
  frames: number;
  /** Of the rendition playing (0: not known yet). */
  bitrateKbps: number;
  /** Reports the server has been sent (socket or beacon). */
  reportsSent: number;
}

export interface PeerlaneEvents {
  'segment-loaded': { segment: SegmentRef; source: DeliverySource; bytes: number; ms: number };
  'segment-uploaded': { segmentId: string; peerId: string; bytes: number };
  'peer-connected': { peerId: string };
  'peer-disconnected': { peerId: string; reason: string };
  error: PeerlaneError;
}
