// Which peers are near (our ISP, as the signal server's tiers say) and the budget for far ones: once peers of
// other networks served crossNetworkShare of our bytes, segments near peers could not serve come from the CDN.
import { describe, expect, it } from 'vitest';
import { PeerNetworks } from '../../sw/agent/peer-networks';

describe('PeerNetworks', () => {
  it('counts same-ISP and unknown peers as near, the others as far', () => {
    const networks = new PeerNetworks();
    networks.learn(['a', 'b', 'c', 'd'], ['isp', 'country', 'far', 'unknown']);
    networks.learn(['e'], undefined);
    expect(['a', 'b', 'c', 'd', 'e', 'never-named'].map((peer) => networks.isNear(peer))).toEqual([
      true,
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('lets far peers be asked for up to their share of the bytes we ask peers for', () => {
    const networks = new PeerNetworks(0.1);
    networks.learn(['near', 'far'], ['isp', 'far']);
    expect(networks.mayTakeFar()).toBe(false);
    networks.requested('near', 900);
    expect(networks.mayTakeFar()).toBe(true);
    networks.requested('far', 100);
    expect(networks.mayTakeFar()).toBe(false);
    networks.requested('near', 200);
    expect(networks.mayTakeFar()).toBe(true);
    expect(new PeerNetworks(1).mayTakeFar()).toBe(true);
  });
});
