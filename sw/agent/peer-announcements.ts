// What one peer announced: the segments it holds (HAVE), when each announcement reached us, and per swarm when it
// last got a new segment — who holds what, who is freshest, and who watches a rendition now.
import type { HaveEntry, PeerFrame } from '../../protocol/peers/peer-wire';
import { BoundedMap } from '../shared/bounded-map';
import { HaveIndex } from './have-index';

/** When the newest announcements arrived, for choosing among equally fast holders (see pickHolder). */
const ANNOUNCE_TIMES_KEPT = 256;
/** Swarms whose latest announcement time is kept (an agent stays in 4 at most). */
const SWARMS_KEPT = 8;

export class PeerAnnouncements {
  private readonly held = new HaveIndex();
  private readonly announcedAt = new BoundedMap<string, number>(ANNOUNCE_TIMES_KEPT);
  /** When it last announced a segment it had just got, per swarm: it is watching that rendition now. */
  private readonly gotAt = new BoundedMap<string, number>(SWARMS_KEPT);

  /** A HAVE frame arrived at `now`. */
  heard(frame: Extract<PeerFrame, { type: 'have' }>, now: number): void {
    if (frame.full) this.held.dropSwarm(frame.swarm);
    if (!frame.full && frame.segments.length > 0) this.gotAt.set(frame.swarm, now);
    for (const entry of frame.segments) {
      this.held.add(frame.swarm, entry);
      this.announcedAt.set(entry.segmentId, now);
    }
  }

  entry(segmentId: string): (HaveEntry & { announcedAt: number | undefined }) | undefined {
    const entry = this.held.get(segmentId);
    return entry && { ...entry, announcedAt: this.announcedAt.get(segmentId) };
  }

  /** It will not send this segment after all (a miss that says so). */
  remove(segmentId: string): void {
    this.held.remove(segmentId);
  }

  /** When it last got a segment of `swarm` (null: of any swarm); undefined: never. */
  lastGotIn(swarm: string | null): number | undefined {
    return swarm === null ? [...this.gotAt.values()].at(-1) : this.gotAt.get(swarm);
  }
}
