// The swarm rules on top of the registry: SWARM-JOIN answers SWARM-PEERS (bounded, ranked, with each peer's
// network tier when matching) and announces the newcomer to the best-ranked members with SWARM-JOINED; leave on
// SWARM-LEAVE or on close; VIEWER-STATE updates what ranking knows. In cluster mode the members come from Redis
// (all processes); the local registry keeps this process's own.

import type { SignalErrorReport } from '../../protocol/signaling/signal-errors';
import { encodeSwarmServerMessage, type NetworkTier } from '../../protocol/signaling/swarm-messages';
import { VIEWER_STATE_MIN_INTERVAL_MS, type ViewerState } from '../../protocol/signaling/viewer-state';
import type { SignalServerConfig } from '../config';
import type { GeoLookup } from '../geo/geo-lookup';
import type { PeerDirectory } from '../peerjs/peer-directory';
import type { PeerSession } from '../peerjs/peer-session';
import type { ClusterPort, SignalTelemetry } from '../signaling-ports';
import { groupsOf, type PeerTraits, pairLabel, resolveTraits } from './peer-traits';
import { type Candidate, createRanking, type RankPeers } from './rank-peers';
import type { SwarmRegistry } from './swarms';

type Limits = Pick<
  SignalServerConfig,
  'maxSwarmsPerPeer' | 'swarmPeersLimit' | 'swarmAnnounceLimit' | 'ranking'
>;

export interface SwarmMembershipDeps<Socket> {
  registry: SwarmRegistry;
  directory: PeerDirectory<PeerSession<Socket>>;
  /** Default: the ranking config.ranking names. */
  rank?: RankPeers;
  /** Client address → ASN and country; without it every network is unknown. */
  geo?: GeoLookup;
  telemetry: Pick<SignalTelemetry, 'paired' | 'viewerState'>;
  send(session: PeerSession<Socket>, text: string): void;
  error(session: PeerSession<Socket>, report: SignalErrorReport): void;
  /** A peer reported out of `swarm` (PEER-REPORT): never listed nor announced there. */
  excluded(swarm: string, peer: string): boolean;
  /** Cluster mode: membership across processes, and a way to reach a member on another process. */
  remote?: {
    cluster: Pick<ClusterPort, 'joinSwarm' | 'leaveSwarm'>;
    sendTo(id: string, text: string): void;
  };
}

export class SwarmMembership<Socket> {
  private readonly rank: RankPeers;

  constructor(
    private readonly limits: Limits,
    private readonly deps: SwarmMembershipDeps<Socket>,
  ) {
    this.rank = deps.rank ?? createRanking(limits.ranking === 'random' ? 'random' : 'matching');
  }

  private traits(session: PeerSession<Socket>): PeerTraits {
    return resolveTraits(session, this.deps.geo);
  }

  /** Joining a swarm again is allowed: it answers a fresh SWARM-PEERS (a way to ask for more peers). */
  join(session: PeerSession<Socket>, swarm: string): void {
    const { registry, directory, send, remote } = this.deps;
    const joined = session.swarms ?? [];
    const isNew = !joined.includes(swarm);
    const traits = this.traits(session);
    if (isNew) {
      if (joined.length >= this.limits.maxSwarmsPerPeer) {
        this.deps.error(session, {
          code: 'too-many-swarms',
          details: { limit: this.limits.maxSwarmsPerPeer },
        });
        return;
      }
      joined.push(swarm);
      session.swarms = joined;
      registry.join(swarm, session.id, groupsOf(traits));
    }
    const count = this.limits.swarmPeersLimit + this.limits.swarmAnnounceLimit;
    if (remote) {
      void remote.cluster.joinSwarm(swarm, session.id, traits, count).then((members) => {
        if (session.status !== 'open') return;
        // Redis down: this process's members are the ones reachable anyway.
        const candidates = members ?? this.localCandidates(swarm, session.id, traits, count);
        this.answer(session, swarm, traits, candidates, isNew, (id, text) => remote.sendTo(id, text));
      });
      return;
    }
    this.answer(
      session,
      swarm,
      traits,
      this.localCandidates(swarm, session.id, traits, count),
      isNew,
      (id, text) => {
        const target = directory.get(id);
        if (target) send(target, text);
      },
    );
  }

  /** Up to `count` of the joiner's ASN, of its country and of the whole swarm: O(count), whatever the swarm's size. */
  private localCandidates(swarm: string, joiner: string, traits: PeerTraits, count: number): Candidate[] {
    const { registry, directory } = this.deps;
    const ids = new Set<string>();
    const groups = this.limits.ranking === 'matching' ? groupsOf(traits) : [];
    for (const group of [...groups, undefined])
      for (const id of registry.sample(swarm, count, joiner, group)) ids.add(id);
    return [...ids].map((id) => ({ id, traits: directory.get(id)?.traits ?? null }));
  }

  /** SWARM-PEERS to the joiner; on a first join, SWARM-JOINED to the best-ranked members (via `notify`). */
  private answer(
    session: PeerSession<Socket>,
    swarm: string,
    traits: PeerTraits,
    candidates: Candidate[],
    isNew: boolean,
    notify: (id: string, text: string) => void,
  ): void {
    const { swarmPeersLimit, swarmAnnounceLimit } = this.limits;
    const listable = candidates.filter(({ id }) => id !== session.id && !this.deps.excluded(swarm, id));
    const ranked = this.rank(listable, traits, Math.max(swarmPeersLimit, swarmAnnounceLimit));
    const offered = ranked.slice(0, swarmPeersLimit);
    const peers = offered.map(({ id }) => id);
    const networks = this.tiersSent(offered.map(({ tier }) => tier));
    const payload = networks ? { swarm, peers, networks } : { swarm, peers };
    this.deps.send(session, encodeSwarmServerMessage({ type: 'SWARM-PEERS', payload }));
    for (const { tier } of offered) this.deps.telemetry.paired?.('offered', pairLabel(tier));
    if (!isNew || this.deps.excluded(swarm, session.id)) return;
    for (const { id, tier } of ranked.slice(0, swarmAnnounceLimit)) {
      const network = this.tiersSent([tier])?.[0];
      const news = network ? { swarm, peer: session.id, network } : { swarm, peer: session.id };
      notify(id, encodeSwarmServerMessage({ type: 'SWARM-JOINED', payload: news }));
      this.deps.telemetry.paired?.('offered', pairLabel(tier));
    }
  }

  /** Tiers go to clients only when matching, and only when one of them says something. */
  private tiersSent(tiers: NetworkTier[]): NetworkTier[] | undefined {
    return this.limits.ranking === 'matching' && tiers.some((tier) => tier !== 'unknown') ? tiers : undefined;
  }

  /** VIEWER-STATE: at most one per VIEWER_STATE_MIN_INTERVAL_MS counts; earlier ones are ignored, not refused. */
  state(session: PeerSession<Socket>, state: ViewerState, now: number): void {
    const traits = this.traits(session);
    if (traits.stateAt > 0 && now - traits.stateAt < VIEWER_STATE_MIN_INTERVAL_MS) {
      this.deps.telemetry.viewerState?.('too-soon');
      return;
    }
    traits.state = state;
    traits.stateAt = now;
    this.deps.telemetry.viewerState?.('accepted');
  }

  /** Leaving a swarm one is not in is a no-op, not an error (a late SWARM-LEAVE after a close race). */
  leave(session: PeerSession<Socket>, swarm: string): void {
    const index = session.swarms?.indexOf(swarm) ?? -1;
    if (index === -1) return;
    session.swarms?.splice(index, 1);
    if (session.swarms?.length === 0) session.swarms = null;
    this.deps.registry.leave(swarm, session.id, groupsOf(session.traits));
    this.deps.remote?.cluster.leaveSwarm(swarm, session.id, session.traits);
  }

  /**
   * On close. `remote` false when another process took the id over: its memberships there are the new
   * connection's, and the entries this process wrote expire on their own.
   */
  leaveAll(session: PeerSession<Socket>, remote = true): void {
    const groups = groupsOf(session.traits);
    for (const swarm of session.swarms ?? []) {
      this.deps.registry.leave(swarm, session.id, groups);
      if (remote) this.deps.remote?.cluster.leaveSwarm(swarm, session.id, session.traits);
    }
    session.swarms = null;
  }
}
