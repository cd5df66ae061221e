// Which peers are in our network: the signal server marks every peer it names (SWARM-PEERS, SWARM-JOINED) with a
// tier — same ISP, same country, elsewhere, unknown — without saying which network. Near peers (same ISP, or
// unknown: no GeoIP, matching off) are the group that shares a live edge: one of them fetches each new segment
// from the network (and says so: fetch-hints.ts) and the others take it from there, so an ISP pulls its own copy
// and keeps it inside; far peers serve within a budget of our bytes.
import type { NetworkTier } from '../../protocol/signaling/swarm-messages';
import { BoundedMap } from '../shared/bounded-map';

/** Peers whose tier is remembered (the most recently named). */
const MAX_KNOWN = 512;

export class PeerNetworks {
  private readonly tiers = new BoundedMap<string, NetworkTier>(MAX_KNOWN);
  /** Bytes we asked near and far peers for (see requested). */
  private readonly bytes = { near: 0, far: 0 };

  /** @param farShare the most of our P2P bytes far peers may serve when near ones could not (crossNetworkShare). */
  constructor(private readonly farShare = 1) {}

  /** `networks[i]` is the tier of `peerIds[i]`; absent: all unknown. */
  learn(peerIds: readonly string[], networks: readonly NetworkTier[] | undefined): void {
    peerIds.forEach((peerId, index) => {
      this.tiers.set(peerId, networks?.[index] ?? 'unknown');
    });
  }

  /** Same ISP, or nothing known (a peer the server never named to us counts as unknown). */
  isNear(peerId: string): boolean {
    const tier = this.tiers.get(peerId);
    return tier === undefined || tier === 'isp' || tier === 'unknown';
  }

  /**
   * We asked `peerId` for a segment of `bytes`. Counted when asked, not when kept: the peer sends it all at once into
   * its data channel, so a download we cancel (too slow: a far peer behind a congested transit) crosses the networks
   * anyway — counted when kept, such failures never used the budget, and far peers were tried again and again.
   */
  requested(peerId: string, bytes: number): void {
    this.bytes[this.isNear(peerId) ? 'near' : 'far'] += bytes;
  }

  /**
   * May a far peer serve a live segment none of our near ones holds? While we asked far peers for less than
   * `farShare` of the bytes we asked peers for; otherwise the CDN serves, so an ISP keeps its traffic inside.
   */
  mayTakeFar(): boolean {
    const { near, far } = this.bytes;
    return this.farShare >= 1 || far < this.farShare * (near + far);
  }
}
