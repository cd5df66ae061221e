// Which peers a live segment may come from: near ones (our ISP) only, far ones within the cross-network budget or
// to race a buffer the network alone would not keep — also for a viewer alone in its ISP — and whose announced
// fetches (FETCHING) are worth waiting for.
import { describe, expect, it } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { PEERLANE_DEFAULTS, type PeerlaneConfig } from '../../sw/agent/config';
import { FetchHints } from '../../sw/agent/fetch-hints';
import { FetchPlanner, type FetchPlannerDeps } from '../../sw/agent/fetch-planner';
import { PeerNetworks } from '../../sw/agent/peer-networks';
import type { Holder } from '../../sw/agent/scheduler';

const SHA = 'a'.repeat(64);

function segment(swarm: string): SegmentRef {
  return {
    id: `${swarm}/seg-1`,
    swarm,
    url: `https://cdn/${swarm}/seg-1.ts`,
    range: null,
    durationSec: 2,
    sequence: 1,
  };
}

function planner(holders: Holder[]) {
  const networks = new PeerNetworks(0.05);
  networks.learn(['near', 'far'], ['isp', 'far']);
  const hints = new FetchHints({ now: () => 0, tell: () => {} });
  const deps = {
    renditions: { isLive: (ref: SegmentRef) => ref.swarm === 'live' },
    verified: {
      holdersOf: () => holders.map((holder) => ({ ...holder, near: networks.isNear(holder.peerId) })),
    },
    networks,
    hints,
  } as unknown as FetchPlannerDeps;
  const config = { ...PEERLANE_DEFAULTS, signal: 'ws://signal' } as PeerlaneConfig;
  return { fetchPlanner: new FetchPlanner(config, deps), networks, hints };
}

const holder = (peerId: string): Holder => ({
  peerId,
  size: 1000,
  sha256: SHA,
  inFlight: 0,
  bytesPerMs: undefined,
});
const ids = (holders: Holder[]) => holders.map((entry) => entry.peerId);

describe('FetchPlanner', () => {
  it('keeps a live segment inside the ISP beyond the cross-network budget, also when no near peer holds it', () => {
    const { fetchPlanner, networks } = planner([holder('near'), holder('far')]);
    expect(ids(fetchPlanner.holdersFor(segment('live')))).toEqual(['near']);
    // A viewer alone in its ISP, no near holder: the CDN serves it, not another ISP's peer…
    const alone = planner([holder('far')]);
    expect(alone.fetchPlanner.holdersFor(segment('live'))).toEqual([]);
    // …unless the network alone would not keep its buffer's margin: then any peer may race it.
    expect(ids(alone.fetchPlanner.holdersFor(segment('live'), true))).toEqual(['far']);
    // Within the budget (far peers served < 5 % of our P2P bytes), far holders are allowed again.
    networks.requested('near', 100_000);
    expect(ids(fetchPlanner.holdersFor(segment('live')))).toEqual(['near', 'far']);
  });

  it('lets any verified holder serve VoD', () => {
    const { fetchPlanner } = planner([holder('near'), holder('far')]);
    expect(ids(fetchPlanner.holdersFor(segment('vod')))).toEqual(['near', 'far']);
  });

  it('waits only for the announced fetches of peers it may download from', () => {
    const { fetchPlanner, hints } = planner([]);
    hints.heard('far', 'live/seg-1', 500);
    expect(fetchPlanner.fetchedAt(segment('live'))).toBeUndefined();
    hints.heard('near', 'live/seg-1', 300);
    expect(fetchPlanner.fetchedAt(segment('live'))).toBeGreaterThan(300);
  });
});
