// When nobody holds the segment a player asks for: wait for an announcement, or go to the network now — for
// peers still arriving, after a holder failed us, and at the live edge, where one viewer fetches each new segment and
// tells its peers (FETCHING, fetch-hints.ts), who wait for its HAVE; viewers asking at about the same moment go in an
// order every peer computes the same way (edgeRank), so the first one's FETCHING reaches the others in time.

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
 * Between viewers asking for a live segment at about the same moment, each later one in the order waits this much
 * longer before fetching it: more than a FETCHING frame takes to reach a peer and be handled on a busy machine.
 */
const EDGE_TURN_MS = 300;
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
 * it ends unanswered. `edgeLimitMs`: a wait at the live edge, which a peer's FETCHING may lengthen up to this.
 */
export interface PeerWait {
  until: 'arrival' | 'holders';
  waitMs: number;
  edgeLimitMs?: number;
}

/**
 * Nobody holds the segment a player asks for: wait for an announcement, or (null) go to the network now.
 * `networkMs`: what the network would take for it (a segment the size of the last ones).
 * - a media segment asked for with nothing buffered before the first frame: never a wait;
 * - a holder just failed us (busy, gone; `attempt` > 0): others are fetching it too, their HAVE is close;
 * - at the live edge (`rank` not null: our place among the peers watching the rendition with us), or when a peer
 *   said it is fetching the segment (`fetchedInMs`: its HAVE is due in that long): see edgeTurnMs and edgeWaitLimitMs;
 * - peers still arriving: a short wait for their lists, see arrivalWaitMs;
 * - a peer announced it but its hash is on its way (the signal server fetches it from the origin): as long.
 */
export function peerWait(
  request: {
    attempt: number;
    rank: number | null;
    fetchedInMs: number | null;
    peersPending: boolean;
    /** Holders announced the segment and the signal server is hashing it: usable once the hash comes. */
    trustPending: boolean;
    /** The worker's bound, less the time the request already waited. */
    leftMs: number;
    playback: PlaybackState;
    networkMs: number;
    /**
     * A media segment (it has a duration), not an init section or a piece of a progressive file: a media element
     * asks for a file's first pieces all before its first frame, and they would all go to the network.
     */
    media: boolean;
  },
  config: SchedulerConfig,
): PeerWait | null {
  const { leftMs, playback, networkMs } = request;
  // The first segments of a session (start-up, nothing buffered) never wait for peers: the viewer sees a spinner
  // until one comes, and while connections open the network is the quicker source. Peers join as the buffer grows.
  if (request.media && playback.phase === 'startup' && playback.bufferAheadSec === 0) return null;
  let wait: PeerWait | null = null;
  if (request.attempt > 0) {
    // Someone holds it (it just failed us): as long as a peer may race the network for it.
    const waitMs = Math.min(PEER_ARRIVAL_WAIT_MS, requestDeadlineMs(leftMs, playback, networkMs, config));
    wait = { until: 'holders', waitMs };
  } else if (request.rank !== null || request.fetchedInMs !== null) {
    const edgeLimitMs = edgeWaitLimitMs({ maxWaitMs: leftMs, playback, networkMs }, config);
    const waitMs = Math.min(edgeTurnMs(request.rank ?? 0, request.fetchedInMs), edgeLimitMs);
    if (waitMs >= MIN_PEER_WINDOW_MS) wait = { until: 'holders', waitMs, edgeLimitMs };
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
 * A live segment no peer announced yet: every viewer of the rendition asks for it within a playlist refresh or two,
 * and one network fetch per group is enough. The wait before going to the network ourselves, ms from `fromMs` on:
 * when a peer said it fetches the segment, until its HAVE is due (`fetchedInMs`), and our turn after that (it may
 * fail us: the next in the order takes over, and tells the others); else our turn alone: the first in the order
 * goes at once, the others a little later, so whoever asks first fetches it and the others hear of it in time.
 */
export function edgeTurnMs(rank: number, fetchedInMs: number | null): number {
  return (fetchedInMs ?? 0) + rank * EDGE_TURN_MS;
}

/**
 * How long a wait at the live edge may last: it never eats into what the viewer's own buffer needs — it leaves a
 * peer transfer its time and the network its time after that (requestDeadlineMs). When the network cannot avoid a
 * stall anyway (a congested CDN), the race window bounds it instead: all going to the CDN at once is what keeps it
 * congested, while one fetch and a peer hop end everyone's stall sooner.
 */
export function edgeWaitLimitMs(
  request: { maxWaitMs: number; playback: PlaybackState; networkMs: number },
  config: SchedulerConfig,
): number {
  const { maxWaitMs, playback, networkMs } = request;
  // With the margin kept, the peer transfer after the wait keeps its time too; racing, it gets its own window.
  const keptMs = safeDeadlineMs(maxWaitMs, playback, networkMs, config) - PEER_TRANSFER_RESERVE_MS;
  const raceMs = raceWindowMs(playback, networkMs) ?? 0;
  return Math.min(maxWaitMs, Math.max(keptMs, raceMs));
}
