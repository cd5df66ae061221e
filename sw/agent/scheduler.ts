// Pure scheduling rules (no PeerJS, no worker): which peer serves a segment, by when it must be done so the
// network would still be in time, what to prefetch, and when a transfer in progress is hopeless. Waiting for a
// segment nobody holds yet is peer-wait.ts.

import type { PlaybackState } from './media-observer';

export interface SchedulerConfig {
  /** Time kept between the network finishing a segment and the buffer running dry, ms. */
  safetyMarginMs: number;
  /** Longest a peer may take before playback has started, ms. */
  startupPeerWaitMs: number;
  prefetch: boolean;
  prefetchAhead: number;
  prefetchConcurrency: number;
  prefetchMinBufferSec: number;
}

/** A peer that announced a segment, as the scheduler sees it. */
export interface Holder {
  peerId: string;
  size: number;
  sha256: string;
  /** Our downloads from this peer in progress. */
  inFlight: number;
  /** Smoothed speed of past downloads from this peer, bytes/ms; undefined before the first. */
  bytesPerMs: number | undefined;
  /** When its announcement of this segment reached us (ms, the agent's clock); undefined when unknown. */
  announcedAt?: number;
  /** In our network (same ISP, as the signal server says) or unknown; false: another ISP. Undefined: near. */
  near?: boolean;
}

export type PlanMissReason = 'no-peer' | 'buffer-low' | 'peers-busy' | 'too-slow';
export type RequestPlan =
  | { action: 'peer'; holder: Holder; deadlineMs: number }
  | { action: 'miss'; reason: PlanMissReason };

/** Downloads from one peer at once: one transferring, one queued at its end so its channel never idles. */
export const MAX_DOWNLOADS_PER_PEER = 2;
/** Below this much time, a peer transfer is not worth starting: a data channel round trip alone can take it. */
export const MIN_PEER_WINDOW_MS = 250;
/** Speed assumed for a peer we never downloaded from (1 MB/s): optimistic, so new peers get tried. */
const UNTRIED_PEER_BYTES_PER_MS = 1000;
/** A transfer is watched this long before its speed is trusted for an early abandon. */
const MIN_OBSERVATION_MS = 300;
/** Prefetch time limit: this many times the expected duration, within these bounds. */
const PREFETCH_DEADLINE_FACTOR = 4;
const PREFETCH_MIN_DEADLINE_MS = 10_000;
const PREFETCH_MAX_DEADLINE_MS = 30_000;
/** Peers expected to take longer than this for a segment are not used for prefetch. */
const PREFETCH_MAX_EXPECTED_MS = 10_000;
/** Abandon when the projected finish needs this many times the time left (projections are noisy). */
const HOPELESS_FACTOR = 1.5;
/** Holders expected to finish within this factor of the fastest count as equally fast (speeds are noisy). */
const EQUIVALENT_SPEED_FACTOR = 1.5;
/**
 * When the network cannot avoid a stall, a peer may take this share of the network's expected time: it shortens
 * the stall when it wins, and lengthens it by at most that much when it fails (on a fast network, nothing).
 */
const RACE_SHARE = 0.5;

/**
 * How long peers may take for a segment the player is waiting for, ms, from now:
 * - playing: until the buffer runs dry, minus the margin, minus what the network would then need;
 * - playing when the network cannot keep that margin (a slow or congested CDN), or stalled: a race — a share of
 *   the network's expected time, and never more than the network could still spare before the buffer runs dry.
 *   The stall (or the lost margin) is the network's; a faster peer avoids or shortens it;
 * - startup: a short bound (the viewer is watching a spinner), and the playing bound once something is buffered;
 * - idle or paused: the worker's bound alone (no buffer drains).
 * `waitedMs`: time the request already spent waiting for peers, taken from the fixed budgets (the buffer-based
 * one needs no correction: the buffer drained meanwhile).
 */
export function requestDeadlineMs(
  maxWaitMs: number,
  playback: PlaybackState,
  networkMs: number,
  config: SchedulerConfig,
  waitedMs = 0,
): number {
  const safeMs = safeDeadlineMs(maxWaitMs, playback, networkMs, config, waitedMs);
  const raceMs = raceWindowMs(playback, networkMs);
  return safeMs >= MIN_PEER_WINDOW_MS || raceMs === null ? safeMs : Math.min(maxWaitMs - waitedMs, raceMs);
}

/**
 * When the network cannot keep the safety margin (or the player already stalls): what a peer may take racing it,
 * ms; null in the other phases.
 */
export function raceWindowMs(playback: PlaybackState, networkMs: number): number | null {
  if (playback.phase === 'stalled') return networkMs * RACE_SHARE;
  if (playback.phase !== 'playing') return null;
  // Time the network can still spare before the buffer runs dry: none when it cannot make it at all.
  const spareMs = playback.bufferAheadSec * 1000 - networkMs;
  return Math.min(networkMs * RACE_SHARE, spareMs > 0 ? spareMs : Number.POSITIVE_INFINITY);
}

/**
 * The network alone would not keep the buffer's safety margin (or playback stalled): a peer may race it, whatever
 * network it is in (see FetchPlanner.holdersFor).
 */
export function cannotKeepMargin(
  playback: PlaybackState,
  networkMs: number,
  config: SchedulerConfig,
): boolean {
  return safeDeadlineMs(Number.POSITIVE_INFINITY, playback, networkMs, config) < MIN_PEER_WINDOW_MS;
}

/** requestDeadlineMs without the race: what a wait for peers that may not even have the segment may take. */
export function safeDeadlineMs(
  maxWaitMs: number,
  playback: PlaybackState,
  networkMs: number,
  config: SchedulerConfig,
  waitedMs = 0,
): number {
  const budgetMs = maxWaitMs - waitedMs;
  const untilDryMs = playback.bufferAheadSec * 1000 - config.safetyMarginMs - networkMs;
  switch (playback.phase) {
    case 'playing':
      return Math.min(budgetMs, untilDryMs);
    case 'stalled':
      return 0;
    case 'startup': {
      const startupMs = Math.min(budgetMs, config.startupPeerWaitMs - waitedMs);
      // Something is buffered already: playback may start any moment and drain it (hls.js asks for the next
      // segment before the first frame shows).
      return playback.bufferAheadSec > 0 ? Math.min(startupMs, untilDryMs) : startupMs;
    }
    case 'idle':
    case 'paused':
      return budgetMs;
  }
}

export function expectedMs(holder: Holder): number {
  return (holder.size / (holder.bytesPerMs ?? UNTRIED_PEER_BYTES_PER_MS)) * (holder.inFlight + 1);
}

/**
 * Holders whose announced (size, sha256) most peers agree on: a lone peer announcing other bytes for the same
 * segment is not trusted. (Issue 7 replaces this with hashes vouched for by independent viewers.)
 */
export function agreeingHolders(holders: readonly Holder[]): Holder[] {
  const votes = new Map<string, Holder[]>();
  for (const holder of holders) {
    const key = `${holder.size}:${holder.sha256}`;
    votes.set(key, [...(votes.get(key) ?? []), holder]);
  }
  let best: Holder[] = [];
  for (const group of votes.values()) if (group.length > best.length) best = group;
  return best;
}

/**
 * The agreeing holder to download from, among those not already at MAX_DOWNLOADS_PER_PEER: of the ones expected to
 * finish about as soon as the fastest, the one that announced the segment last. Everyone asking the same fastest
 * peer would make it the swarm's server; the newest holder has not started serving this segment to anyone yet.
 * Holders in our network come first: another ISP's only when none of ours is free and expected within
 * `withinMs` (the traffic an ISP keeps inside is what P2P delivery is for).
 */
export function pickHolder(
  holders: readonly Holder[],
  withinMs = Number.POSITIVE_INFINITY,
): Holder | undefined {
  const free = agreeingHolders(holders).filter((holder) => holder.inFlight < MAX_DOWNLOADS_PER_PEER);
  const near = free.filter((holder) => holder.near !== false);
  const candidates = near.some((holder) => expectedMs(holder) <= withinMs) ? near : free;
  if (candidates.length === 0) return undefined;
  const fastestMs = Math.min(...candidates.map(expectedMs));
  let best: Holder | undefined;
  for (const holder of candidates) {
    if (expectedMs(holder) > fastestMs * EQUIVALENT_SPEED_FACTOR) continue;
    const fresher = (holder.announcedAt ?? 0) - (best?.announcedAt ?? 0);
    if (!best || fresher > 0 || (fresher === 0 && expectedMs(holder) < expectedMs(best))) best = holder;
  }
  return best;
}

/** For a segment the player asked for: which peer, by when — or a miss now, so the worker goes to the network in time. */
export function planPlayerRequest(
  request: {
    maxWaitMs: number;
    holders: readonly Holder[];
    playback: PlaybackState;
    networkMs: number;
    /** Time already spent waiting for peers to arrive. */
    waitedMs?: number;
  },
  config: SchedulerConfig,
): RequestPlan {
  if (request.holders.length === 0) return { action: 'miss', reason: 'no-peer' };
  const { maxWaitMs, playback, networkMs, waitedMs } = request;
  const deadlineMs = requestDeadlineMs(maxWaitMs, playback, networkMs, config, waitedMs);
  if (deadlineMs < MIN_PEER_WINDOW_MS) return { action: 'miss', reason: 'buffer-low' };
  const holder = pickHolder(request.holders, deadlineMs);
  if (!holder) return { action: 'miss', reason: 'peers-busy' };
  if (holder.bytesPerMs !== undefined && expectedMs(holder) > deadlineMs)
    return { action: 'miss', reason: 'too-slow' };
  return { action: 'peer', holder, deadlineMs };
}

export interface PrefetchInput {
  /** Ids of the segments after the player's latest request, in play order. */
  upcoming: readonly string[];
  /** True when the segment is already in the local cache. */
  isStored: (segmentId: string) => boolean;
  /** True when a download of the segment is already running. */
  isDownloading: (segmentId: string) => boolean;
  holdersOf: (segmentId: string) => Holder[];
  /** Prefetch downloads running now. */
  active: number;
  playback: PlaybackState;
  /** The rendition playing is live: `upcoming` are the segments at its edge, the very next ones the player needs. */
  live: boolean;
}

/**
 * Segments to download into the cache now, each with its peer, at most `prefetchConcurrency` at once, nearest to the
 * playhead first. VoD: only while the buffer is comfortable (the player's own urgent requests come first). Live: at
 * once, whatever the buffer, stalled too — the live edge is exactly what the player asks for next, and a segment
 * enters `upcoming` as soon as the playlist lists it or a peer announces it, so every HAVE re-runs this plan.
 */
export function planPrefetch(
  input: PrefetchInput,
  config: SchedulerConfig,
): { segmentId: string; holder: Holder }[] {
  const { phase, bufferAheadSec } = input.playback;
  if (!config.prefetch) return [];
  const starving =
    phase === 'stalled' || (phase === 'playing' && bufferAheadSec < config.prefetchMinBufferSec);
  if (!input.live && starving) return [];
  let slots = config.prefetchConcurrency - input.active;
  const picked: { segmentId: string; holder: Holder }[] = [];
  const addedLoad = new Map<string, number>();
  for (const segmentId of input.upcoming.slice(0, config.prefetchAhead)) {
    if (slots <= 0) break;
    if (input.isStored(segmentId) || input.isDownloading(segmentId)) continue;
    // Count what this plan already gave each peer, so parallel prefetches spread over peers.
    const holders = input
      .holdersOf(segmentId)
      .map((holder) => ({ ...holder, inFlight: holder.inFlight + (addedLoad.get(holder.peerId) ?? 0) }));
    const holder = pickHolder(holders, PREFETCH_MAX_EXPECTED_MS);
    // Known to crawl (given up on before): not worth a prefetch slot; the player's request decides later.
    if (!holder || expectedMs(holder) > PREFETCH_MAX_EXPECTED_MS) continue;
    picked.push({ segmentId, holder });
    addedLoad.set(holder.peerId, (addedLoad.get(holder.peerId) ?? 0) + 1);
    slots--;
  }
  return picked;
}

/** A prefetch nobody waits for still must not hold its slot forever (a peer gone silent): its time limit, ms. */
export function prefetchDeadlineMs(holder: Holder): number {
  const expected = PREFETCH_DEADLINE_FACTOR * expectedMs({ ...holder, inFlight: 0 });
  return Math.min(PREFETCH_MAX_DEADLINE_MS, Math.max(PREFETCH_MIN_DEADLINE_MS, expected));
}

/** A transfer in progress that, at its observed speed, will not finish in the time left: cancel it now. */
export function isHopeless(progress: {
  elapsedMs: number;
  receivedBytes: number;
  totalBytes: number;
  remainingMs: number;
}): boolean {
  if (progress.remainingMs <= 0) return true;
  if (progress.elapsedMs < MIN_OBSERVATION_MS || progress.receivedBytes === 0) return false;
  const neededMs =
    ((progress.totalBytes - progress.receivedBytes) * progress.elapsedMs) / progress.receivedBytes;
  return neededMs > progress.remainingMs * HOPELESS_FACTOR;
}
