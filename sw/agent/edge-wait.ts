// A request's wait at the live edge, which peers' FETCHING frames move: it follows the HAVE a peer said is due, and
// when that peer fails us our own turn starts over, so the waiters take over one after the other.
import { edgeTurnMs } from './peer-wait';

export interface EdgeWait {
  rank: number;
  /** The latest it may end (edgeWaitLimitMs from when it began). */
  limitAt: number;
  /** Our turn counts from here: when the wait began, or when the peer we waited for failed us. */
  turnFrom: number;
  /** It waited for a peer's fetch the last time it was looked at. */
  followed: boolean;
  endsAt: number;
}

/**
 * When a wait at the live edge ends, looked at `now`: when the HAVE is due (`fetchedAt`) of a peer that said it
 * fetches the segment, and our turn after it; without one, our turn from when the wait began — or from when the
 * peer we followed failed us (the first to take over tells the others). Never past the wait's limit.
 */
export function edgeWaitEnd(edge: EdgeWait, fetchedAt: number | undefined, now: number): number {
  if (fetchedAt === undefined && edge.followed) edge.turnFrom = now;
  edge.followed = fetchedAt !== undefined;
  return Math.min(edge.limitAt, (fetchedAt ?? edge.turnFrom) + edgeTurnMs(edge.rank, null));
}
