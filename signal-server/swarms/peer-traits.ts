// What matching knows of a peer: its network (ASN, country: GeoIP of its address, looked up at its first join)
// and its last VIEWER-STATE (playback position, upload capacity). Plus the tier of a pair and the swarm groups
// a peer is indexed in, so same-network candidates are sampled directly.
import type { NetworkTier } from '../../protocol/signaling/swarm-messages';
import type { ViewerState } from '../../protocol/signaling/viewer-state';
import type { GeoLookup } from '../geo/geo-lookup';

export interface PeerTraits {
  /** Autonomous system number; null when unknown. */
  asn: number | null;
  /** ISO country code; null when unknown. */
  country: string | null;
  /** Its last VIEWER-STATE; null before the first. */
  state: ViewerState | null;
  /** When that state was accepted (ms; 0 never): one per VIEWER_STATE_MIN_INTERVAL_MS. */
  stateAt: number;
}

/**
 * A session's traits, its network looked up at the first join or VIEWER-STATE (the databases load in the
 * background after start); again while still unknown and in no swarm, so a viewer that came before the
 * databases is matched once they are in (its swarm groups never change while it is in a swarm).
 */
export function resolveTraits(
  session: { ip: string; swarms: string[] | null; traits: PeerTraits | null },
  geo: GeoLookup | undefined,
): PeerTraits {
  let traits = session.traits;
  if (!traits) {
    traits = { asn: null, country: null, state: null, stateAt: 0 };
    session.traits = traits;
  } else if (traits.asn !== null || traits.country !== null || session.swarms !== null) return traits;
  const found = geo?.lookup(session.ip);
  if (found) Object.assign(traits, found);
  return traits;
}

/** The swarm groups a peer is sampled from: one per ASN and one per country, when known. */
export function groupsOf(traits: PeerTraits | null): string[] {
  const groups: string[] = [];
  if (traits?.asn != null) groups.push(`asn:${traits.asn}`);
  if (traits?.country != null) groups.push(`cc:${traits.country}`);
  return groups;
}

/** Same for both sides: 'unknown' unless both networks are known as far as the comparison needs. */
export function tierBetween(a: PeerTraits | null, b: PeerTraits | null): NetworkTier {
  if (a?.asn != null && a.asn === b?.asn) return 'isp';
  if (a?.country != null && a.country === b?.country) return 'country';
  if ((a?.asn != null && b?.asn != null) || (a?.country != null && b?.country != null)) return 'far';
  return 'unknown';
}

/** The pair label of the offered/connected metrics. */
export function pairLabel(tier: NetworkTier): 'same-asn' | 'cross-asn' | 'unknown' {
  if (tier === 'isp') return 'same-asn';
  return tier === 'unknown' ? 'unknown' : 'cross-asn';
}

/** Compact text form for Redis (cluster mode): "asn\tcountry\tstate JSON", '' for unknowns. */
export function encodeTraits(traits: PeerTraits): string {
  return `${traits.asn ?? ''}\t${traits.country ?? ''}\t${traits.state ? JSON.stringify(traits.state) : ''}`;
}

export function decodeTraits(text: string | null): PeerTraits | null {
  if (!text) return null;
  const [asn = '', country = '', state = ''] = text.split('\t');
  try {
    return {
      asn: asn === '' ? null : Number(asn),
      country: country === '' ? null : country,
      state: state === '' ? null : (JSON.parse(state) as ViewerState),
      stateAt: 0,
    };
  } catch {
    return null;
  }
}
