// Orders the candidates a joiner is offered (SWARM-PEERS) and the members told of it (SWARM-JOINED). 'matching':
// same ASN, then same country, then the rest; within a tier, a compatible playback position first (live: near
// the same edge; VoD: at or ahead of the joiner, so holding what it needs next), then uploaders with capacity
// (not cellular, not measured slow), then at random. 'random': a uniform shuffle (the comparison run).
import type { NetworkTier } from '../../protocol/signaling/swarm-messages';
import { LOW_UPLINK_KBPS, type ViewerState } from '../../protocol/signaling/viewer-state';
import { type PeerTraits, tierBetween } from './peer-traits';

export interface Candidate {
  id: string;
  traits: PeerTraits | null;
}

export interface RankedPeer {
  id: string;
  tier: NetworkTier;
}

export type RankPeers = (
  candidates: readonly Candidate[],
  joiner: PeerTraits | null,
  limit: number,
) => RankedPeer[];

/** Live viewers within this many seconds of each other's lag behind the edge hold the same segments. */
export const LIVE_LAG_TOLERANCE_SEC = 6;
/** A VoD candidate this far behind the joiner still counts as holding what comes next (segments are 2-6 s). */
const VOD_BEHIND_TOLERANCE_SEC = 4;

const TIER_ORDER: Record<NetworkTier, number> = { isp: 0, country: 1, far: 2, unknown: 2 };

export function createRanking(mode: 'matching' | 'random', random: () => number = Math.random): RankPeers {
  if (mode === 'random')
    return (candidates, joiner, limit) =>
      shuffle([...candidates], random)
        .slice(0, limit)
        .map(({ id, traits }) => ({ id, tier: tierBetween(joiner, traits) }));
  return (candidates, joiner, limit) =>
    candidates
      .map(({ id, traits }) => {
        const tier = tierBetween(joiner, traits);
        const key =
          TIER_ORDER[tier] * 100 +
          positionScore(joiner?.state, traits?.state) * 10 +
          capacityScore(traits?.state);
        return { id, tier, key, tiebreak: random() };
      })
      .sort((a, b) => a.key - b.key || a.tiebreak - b.tiebreak)
      .slice(0, limit)
      .map(({ id, tier }) => ({ id, tier }));
}

/** 0 compatible, 1 unknown (either side has not reported), 2 incompatible. */
export function positionScore(
  joiner: ViewerState | null | undefined,
  candidate: ViewerState | null | undefined,
) {
  if (!joiner || !candidate) return 1;
  if (joiner.live !== candidate.live) return 2;
  if (joiner.live)
    return Math.abs((joiner.lagSec ?? 0) - (candidate.lagSec ?? 0)) <= LIVE_LAG_TOLERANCE_SEC ? 0 : 2;
  return (candidate.positionSec ?? 0) >= (joiner.positionSec ?? 0) - VOD_BEHIND_TOLERANCE_SEC ? 0 : 2;
}

/** 0 a fine (or not yet measured) uploader, 1 cellular or measured below LOW_UPLINK_KBPS. */
export function capacityScore(state: ViewerState | null | undefined): number {
  if (!state) return 0;
  return state.cellular || (state.uplinkKbps !== null && state.uplinkKbps < LOW_UPLINK_KBPS) ? 1 : 0;
}

function shuffle<Item>(items: Item[], random: () => number): Item[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as Item, items[i] as Item];
  }
  return items;
}
