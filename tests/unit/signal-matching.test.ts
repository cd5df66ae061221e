// Peer matching on the signal server: candidates ranked by ASN, country, playback position and upload capacity,
// found through the swarm's per-network index (not by sampling the whole swarm), tiers told to both sides without
// naming a network, VIEWER-STATE validated and rate-limited, pairs counted; `--ranking random` shuffles.
import { describe, expect, it } from 'vitest';
import type { GeoInfo, GeoLookup } from '../../signal-server/geo/geo-lookup';
import type { PeerTraits } from '../../signal-server/swarms/peer-traits';
import { tierBetween } from '../../signal-server/swarms/peer-traits';
import { createRanking } from '../../signal-server/swarms/rank-peers';
import { InMemorySwarmRegistry } from '../../signal-server/swarms/swarms';
import { setupSignaling } from './signal-signaling-harness';

/** 100.<64+n>.x.y is ISP n: AS 64495+n, DE for ISPs 1-2, FR for 3-4 (as in the lab). */
const labGeo: GeoLookup = {
  ready: Promise.resolve(),
  lookup(ip: string): GeoInfo {
    const match = /^100\.(\d+)\./.exec(ip);
    const isp = match ? Number(match[1]) - 64 : 0;
    if (isp < 1) return { asn: null, country: null };
    return { asn: 64495 + isp, country: isp <= 2 ? 'DE' : 'FR' };
  },
};
const ipIn = (isp: number, host: number) => `100.${64 + isp}.0.${host}`;
const traits = (
  asn: number | null,
  country: string | null,
  state: PeerTraits['state'] = null,
): PeerTraits => ({
  asn,
  country,
  state,
  stateAt: 0,
});

describe('ranking', () => {
  it('puts the same ASN first, then the same country, then the rest; unknown never wins over known', () => {
    expect(tierBetween(traits(1, 'DE'), traits(1, 'DE'))).toBe('isp');
    expect(tierBetween(traits(1, 'DE'), traits(2, 'DE'))).toBe('country');
    expect(tierBetween(traits(1, 'DE'), traits(3, 'FR'))).toBe('far');
    expect(tierBetween(traits(1, 'DE'), traits(null, null))).toBe('unknown');
    expect(tierBetween(null, traits(1, 'DE'))).toBe('unknown');
    const rank = createRanking('matching');
    const ranked = rank(
      [
        { id: 'far', traits: traits(3, 'FR') },
        { id: 'unknown', traits: null },
        { id: 'country', traits: traits(2, 'DE') },
        { id: 'isp', traits: traits(1, 'DE') },
      ],
      traits(1, 'DE'),
      10,
    );
    expect(ranked.map(({ id }) => id).slice(0, 2)).toEqual(['isp', 'country']);
    expect(ranked.map(({ tier }) => tier)).toEqual([
      'isp',
      'country',
      expect.any(String),
      expect.any(String),
    ]);
  });

  it('within a tier: a compatible position first, then uploaders with capacity', () => {
    const live = (lagSec: number, uplinkKbps: number | null = null, cellular = false) =>
      traits(1, 'DE', { live: true, lagSec, uplinkKbps, cellular });
    const rank = createRanking('matching', () => 0.5);
    const ids = (joiner: PeerTraits, candidates: Array<[string, PeerTraits]>) =>
      rank(
        candidates.map(([id, candidate]) => ({ id, traits: candidate })),
        joiner,
        10,
      ).map(({ id }) => id);
    expect(
      ids(live(3), [
        ['behind', live(30)],
        ['slow-uplink', live(4, 400)],
        ['cellular', live(2, null, true)],
        ['good', live(5, 20_000)],
        ['no-state', traits(1, 'DE')],
      ]),
    ).toEqual(['good', 'slow-uplink', 'cellular', 'no-state', 'behind']);
    const vod = (positionSec: number) =>
      traits(1, 'DE', { live: false, positionSec, uplinkKbps: null, cellular: false });
    // VoD: a viewer ahead holds what the joiner needs next; one far behind does not.
    expect(
      ids(vod(100), [
        ['behind', vod(20)],
        ['ahead', vod(300)],
      ]),
    ).toEqual(['ahead', 'behind']);
  });

  it('samples a group of the swarm without touching the rest', () => {
    const registry = new InMemorySwarmRegistry();
    for (let i = 0; i < 1000; i++) registry.join('s', `p${i}`, i < 3 ? ['asn:1', 'cc:DE'] : ['asn:2']);
    expect(registry.sample('s', 10, 'p0', 'asn:1').sort()).toEqual(['p1', 'p2']);
    registry.leave('s', 'p1', ['asn:1', 'cc:DE']);
    expect(registry.sample('s', 10, '', 'cc:DE').sort()).toEqual(['p0', 'p2']);
    expect(registry.sample('s', 10, '', 'asn:3')).toEqual([]);
  });
});

describe('matching on the signal server', () => {
  it('offers a joiner its ISP first, with tiers, and tells members the newcomer’s tier', () => {
    const { connect, send, received, events } = setupSignaling({}, { geo: labGeo });
    const members = [
      connect('far', { ip: ipIn(3, 10) }),
      connect('country', { ip: ipIn(2, 10) }),
      connect('isp', { ip: ipIn(1, 11) }),
      connect('unknown', { ip: '100.64.2.2' }),
    ];
    for (const member of members) send(member, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    for (const member of members) received(member);
    events.splice(0);
    const joiner = connect('joiner', { ip: ipIn(1, 10) });
    received(joiner);
    send(joiner, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    const [answer] = received(joiner);
    expect(answer.payload.peers.slice(0, 2)).toEqual(['isp', 'country']);
    expect(answer.payload.networks.slice(0, 2)).toEqual(['isp', 'country']);
    const tierOf = Object.fromEntries(
      answer.payload.peers.map((peer: string, i: number) => [peer, answer.payload.networks[i]]),
    );
    expect(tierOf).toEqual({ isp: 'isp', country: 'country', far: 'far', unknown: 'unknown' });
    expect(JSON.stringify(answer)).not.toMatch(/6449|DE|FR/);
    // Every member heard of the newcomer, with the same tier it has from their side.
    const news = Object.fromEntries(
      members.map((member) => [member.session.id, received(member)[0]?.payload]),
    );
    expect(news.isp).toEqual({ swarm: 's', peer: 'joiner', network: 'isp' });
    expect(news.far).toEqual({ swarm: 's', peer: 'joiner', network: 'far' });
    expect(news.unknown).toEqual({ swarm: 's', peer: 'joiner' });
    expect(events.filter((line) => line === 'paired offered same-asn')).toHaveLength(2);
    expect(events.filter((line) => line === 'paired offered cross-asn')).toHaveLength(4);
  });

  it('finds the joiner’s ISP in a big swarm without sampling all of it', () => {
    const { connect, send, received } = setupSignaling(
      { swarmPeersLimit: 10, swarmAnnounceLimit: 5 },
      { geo: labGeo },
    );
    for (let i = 0; i < 3000; i++) {
      const member = connect(`m${i}`, { ip: i < 4 ? ipIn(1, 20 + i) : ipIn(3, (i % 250) + 1) });
      send(member, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    }
    const joiner = connect('joiner', { ip: ipIn(1, 10) });
    send(joiner, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    const answer = received(joiner).find((message) => message.type === 'SWARM-PEERS');
    expect(answer.payload.peers).toHaveLength(10);
    // 4 of 3000 share its ISP: a uniform sample of 15 would find one only ~2 % of the time.
    expect(answer.payload.peers.slice(0, 4).sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(answer.payload.networks.slice(0, 5)).toEqual(['isp', 'isp', 'isp', 'isp', 'far']);
  });

  it('--ranking random: a shuffle, no tiers sent, pairs still counted by network', () => {
    const { connect, send, received, events } = setupSignaling({ ranking: 'random' }, { geo: labGeo });
    const member = connect('member', { ip: ipIn(1, 11) });
    send(member, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    const joiner = connect('joiner', { ip: ipIn(1, 10) });
    send(joiner, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    expect(received(joiner).at(-1)).toEqual({
      type: 'SWARM-PEERS',
      payload: { swarm: 's', peers: ['member'] },
    });
    expect(received(member).at(-1)).toEqual({
      type: 'SWARM-JOINED',
      payload: { swarm: 's', peer: 'joiner' },
    });
    expect(events).toContain('paired offered same-asn');
  });

  it('validates VIEWER-STATE, takes one per interval, and counts connected pairs on ANSWER', () => {
    const { connect, send, received, events, advance } = setupSignaling({}, { geo: labGeo });
    const alice = connect('alice', { ip: ipIn(1, 10) });
    const bob = connect('bob', { ip: ipIn(1, 11) });
    received(alice);
    const state = { live: true, lagSec: 4, uplinkKbps: null, cellular: false };
    send(alice, { type: 'VIEWER-STATE', payload: state });
    send(alice, { type: 'VIEWER-STATE', payload: state });
    advance(2_000);
    send(alice, { type: 'VIEWER-STATE', payload: { ...state, uplinkKbps: 480 } });
    expect(events.filter((line) => line.startsWith('viewer-state'))).toEqual([
      'viewer-state accepted',
      'viewer-state too-soon',
      'viewer-state accepted',
    ]);
    expect(alice.session.traits?.state).toEqual({ ...state, uplinkKbps: 480 });
    for (const payload of [
      { ...state, lagSec: -1 },
      { ...state, live: 'yes' },
      { live: false, uplinkKbps: null, cellular: false },
      null,
    ]) {
      send(alice, { type: 'VIEWER-STATE', payload });
      expect(received(alice).at(-1)?.payload?.code).toBe('invalid-payload');
    }
    for (const peer of [alice, bob]) send(peer, { type: 'SWARM-JOIN', payload: { swarm: 's' } });
    send(bob, { type: 'ANSWER', dst: 'alice', payload: { sdp: 'x' } });
    expect(events).toContain('paired connected same-asn');
  });
});
