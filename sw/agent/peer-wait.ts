// When nobody holds the segment a player asks for: wait for an announcement, or go to the network now — for
// peers still arriving, after a holder failed us, and at the live edge, where the swarm's peers rank themselves
// per segment (the same way on every peer, without a message) so one fetches it and the others wait for its HAVE.

import type { PlaybackState } from './media-observer';
import {
  MIN_PEER_WINDOW_MS,
  raceWindowMs,
  requestDeadlineMs,
  type SchedulerConfig,
  safeDeadlineMs,
} from './scheduler';

/** Longest wait for peers that are still arriving (a connection opens in well under a second on most networks). */
const PEER_ARRIVAL_WAIT_MS = 1000;
/**
 * Beyond the network fetch itself: the worker handing the bytes over, storing them, the HAVE crossing one data
 * channel, timers' slack — slow on a busy machine: in the 9-viewer lab (CPU ~99 %) with 300 ms, the next viewer's
 * own fetch finished a median 130–320 ms after the first one's, so most turns ended just too soon.
 */
const ANNOUNCE_SLACK_MS = 700;
/** Bounds of one turn at the live edge (see edgeWaitMs). */
const EDGE_TURN_MIN_MS = 800;
const EDGE_TURN_MAX_MS = 2000;
/** Kept for the peer transfer after a wait at the live edge: a segment of a few hundred kB over a fair link. */
const PEER_TRANSFER_RESERVE_MS = 500;

/**
 * Nobody announced the segment yet, but peers may be about to (connections opening, the signal server's member
 * list not in): how long the request may wait for them — short, since the viewer may be watching a spinner.
 */
export function arrivalWaitMs(
  maxWaitMs: number,
  playback: PlaybackState,
  networkMs: number,
  config: SchedulerConfig,
): number {
  return Math.min(PEER_ARRIVAL_WAIT_MS, safeDeadlineMs(maxWaitMs, playback, networkMs, config));
}

/**
 * A wait for an announcement: from peers still arriving ('arrival': only while they are), or for a segment nobody
 * holds yet or whose holder failed ('holders': until someone announces it). The request goes to the network when
 * it ends unanswered.
 */
export interface PeerWait {
  until: 'arrival' | 'holders';
  waitMs: number;
}

/**
 * Nobody holds the segment a player asks for: wait for an announcement, or (null) go to the network now.
 * `networkMs`: what the network would take for it (a segment the size of the last ones).
 * - a holder just failed us (busy, gone; `attempt` > 0): others are fetching it too, their HAVE is close;
 * - at the live edge (`rank` not null): our turn, see edgeWaitMs;
 * - peers still arriving: a short wait for their lists, see arrivalWaitMs;
 * - a peer announced it but its hash is on its way (the signal server fetches it from the origin): as long.
 */
export function peerWait(
  request: {
    attempt: number;
    rank: number | null;
    peersPending: boolean;
    /** Holders announced the segment and the signal server is hashing it: usable once the hash comes. */
    trustPending: boolean;
    /** The worker's bound, less the time the request already waited. */
    leftMs: number;
    playback: PlaybackState;
    networkMs: number;
  },
  config: SchedulerConfig,
): PeerWait | null {
  const { leftMs, playback, networkMs } = request;
  let wait: PeerWait | null = null;
  if (request.attempt > 0) {
    // Someone holds it (it just failed us): as long as a peer may race the network for it.
    const waitMs = Math.min(PEER_ARRIVAL_WAIT_MS, requestDeadlineMs(leftMs, playback, networkMs, config));
    wait = { until: 'holders', waitMs };
  } else if (request.rank !== null) {
    const waitMs = edgeWaitMs({ rank: request.rank, maxWaitMs: leftMs, playback, networkMs }, config);
    if (waitMs > 0) wait = { until: 'holders', waitMs };
  }
  if (request.attempt === 0 && request.trustPending) {
    // Longer than a turn at the edge if need be: the holder is there, only its hash is missing.
    const waitMs = Math.max(wait?.waitMs ?? 0, arrivalWaitMs(leftMs, playback, networkMs, config));
    wait = { until: 'holders', waitMs };
  }
  if (!wait && request.attempt === 0 && request.peersPending)
    wait = { until: 'arrival', waitMs: arrivalWaitMs(leftMs, playback, networkMs, config) };
  return wait && wait.waitMs >= MIN_PEER_WINDOW_MS ? wait : null;
}

/**
 * Order of a viewer among `contenders` (the peers of a swarm, itself included) for fetching `segmentId` from the
 * network: a hash of segment and peer id, the same order everywhere and a different first for every segment, so
 * the swarm agrees on who goes first without a message and the network fetches are spread over everyone.
 */
export function edgeRank(segmentId: string, selfId: string, contenders: readonly string[]): number {
  const own = rankHash(segmentId, selfId);
  let rank = 0;
  for (const peerId of new Set(contenders)) {
    if (peerId === selfId) continue;
    const other = rankHash(segmentId, peerId);
    if (other < own || (other === own && peerId < selfId)) rank++;
  }
  return rank;
}

/** FNV-1a (32 bit): fast, and spread enough to order a few dozen peers. */
function rankHash(segmentId: string, peerId: string): number {
  let hash = 0x811c9dc5;
  const text = `${segmentId}\n${peerId}`;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A segment at the live edge that no peer announced yet: every viewer of the swarm will ask for it within a
 * playlist refresh or two, and one network fetch is enough. Each waits its `rank` (see edgeRank) times the time one
 * network fetch and its announcement take, the first in the order not at all; the HAVE of whoever fetched it ends the
 * wait of the others, who then download it from a peer. The wait never eats into what the viewer's own buffer needs:
 * it leaves a peer transfer its time and the network its time after that (requestDeadlineMs). When the network
 * cannot avoid a stall anyway (a congested CDN), the race window bounds it instead: all going to the CDN at once is
 * what keeps it congested, while one fetch and a peer hop end everyone's stall sooner. 0: go now.
 */
export function edgeWaitMs(
  request: { rank: number; maxWaitMs: number; playback: PlaybackState; networkMs: number },
  config: SchedulerConfig,
): number {
  const { rank, maxWaitMs, playback, networkMs } = request;
  if (rank === 0) return 0;
  const turnMs = Math.min(EDGE_TURN_MAX_MS, Math.max(EDGE_TURN_MIN_MS, networkMs + ANNOUNCE_SLACK_MS));
  // With the margin kept, the peer transfer after the wait keeps its time too; racing, it gets its own window.
  const keptMs = safeDeadlineMs(maxWaitMs, playback, networkMs, config) - PEER_TRANSFER_RESERVE_MS;
  const raceMs = raceWindowMs(playback, networkMs) ?? 0;
  const waitMs = Math.min(rank * turnMs, maxWaitMs, Math.max(keptMs, raceMs));
  return waitMs >= MIN_PEER_WINDOW_MS ? waitMs : 0;
}
