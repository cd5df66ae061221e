// The swarm rules on top of the registry: SWARM-JOIN answers SWARM-PEERS (bounded, ranked) and announces
// the newcomer to a bounded number of members with SWARM-JOINED; leave on SWARM-LEAVE or on close.
// In cluster mode the members come from Redis (all processes); the local registry keeps this process's own.

import type { SignalErrorReport } from '../../protocol/signaling/signal-errors';
import { encodeSwarmServerMessage } from '../../protocol/signaling/swarm-messages';
import type { SignalServerConfig } from '../config';
import type { PeerDirectory } from '../peerjs/peer-directory';
import type { PeerSession } from '../peerjs/peer-session';
import type { ClusterPort } from '../signaling-ports';
import type { RankPeers } from './rank-peers';
import type { SwarmRegistry } from './swarms';

type Limits = Pick<SignalServerConfig, 'maxSwarmsPerPeer' | 'swarmPeersLimit' | 'swarmAnnounceLimit'>;

export interface SwarmMembershipDeps<Socket> {
  registry: SwarmRegistry;
  directory: PeerDirectory<PeerSession<Socket>>;
  rank: RankPeers;
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
  constructor(
    private readonly limits: Limits,
    private readonly deps: SwarmMembershipDeps<Socket>,
  ) {}

  /** Joining a swarm again is allowed: it answers a fresh SWARM-PEERS (a way to ask for more peers). */
  join(session: PeerSession<Socket>, swarm: string): void {
    const { registry, directory, send, remote } = this.deps;
    const joined = session.swarms ?? [];
    const isNew = !joined.includes(swarm);
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
      registry.join(swarm, session.id);
    }
    if (remote) {
      this.joinRemote(session, swarm, isNew, remote);
      return;
    }
    const limit = this.limits.swarmPeersLimit;
    const candidates = this.listable(swarm, registry.sample(swarm, limit, session.id));
    const peers = this.deps.rank(candidates, { swarm, joiner: session.id }, limit);
    send(session, encodeSwarmServerMessage({ type: 'SWARM-PEERS', payload: { swarm, peers } }));
    if (!isNew || this.deps.excluded(swarm, session.id)) return;
    const announcement = this.announcement(swarm, session.id);
    for (const member of registry.sample(swarm, this.limits.swarmAnnounceLimit, session.id)) {
      const target = directory.get(member);
      if (target) send(target, announcement);
    }
  }

  /** One Redis round trip: join, then a random sample of live members serves both the answer and the news. */
  private joinRemote(
    session: PeerSession<Socket>,
    swarm: string,
    isNew: boolean,
    remote: NonNullable<SwarmMembershipDeps<Socket>['remote']>,
  ): void {
    const { swarmPeersLimit, swarmAnnounceLimit } = this.limits;
    const count = swarmPeersLimit + swarmAnnounceLimit + 1;
    void remote.cluster.joinSwarm(swarm, session.id, count).then((members) => {
      if (session.status !== 'open') return;
      // Redis down: this process's members are the ones reachable anyway.
      const sample = members ?? this.deps.registry.sample(swarm, count, session.id);
      const candidates = this.listable(swarm, sample).filter((member) => member !== session.id);
      const context = { swarm, joiner: session.id };
      const peers = this.deps.rank(candidates.slice(0, swarmPeersLimit), context, swarmPeersLimit);
      this.deps.send(session, encodeSwarmServerMessage({ type: 'SWARM-PEERS', payload: { swarm, peers } }));
      if (!isNew || this.deps.excluded(swarm, session.id)) return;
      const announcement = this.announcement(swarm, session.id);
      for (const member of candidates.slice(-swarmAnnounceLimit)) remote.sendTo(member, announcement);
    });
  }

  private listable(swarm: string, members: string[]): string[] {
    return members.filter((member) => !this.deps.excluded(swarm, member));
  }

  private announcement(swarm: string, peer: string): string {
    return encodeSwarmServerMessage({ type: 'SWARM-JOINED', payload: { swarm, peer } });
  }

  /** Leaving a swarm one is not in is a no-op, not an error (a late SWARM-LEAVE after a close race). */
  leave(session: PeerSession<Socket>, swarm: string): void {
    const index = session.swarms?.indexOf(swarm) ?? -1;
    if (index === -1) return;
    session.swarms?.splice(index, 1);
    if (session.swarms?.length === 0) session.swarms = null;
    this.deps.registry.leave(swarm, session.id);
    this.deps.remote?.cluster.leaveSwarm(swarm, session.id);
  }

  /**
   * On close. `remote` false when another process took the id over: its memberships there are the new
   * connection's, and the entries this process wrote expire on their own.
   */
  leaveAll(session: PeerSession<Socket>, remote = true): void {
    for (const swarm of session.swarms ?? []) {
      this.deps.registry.leave(swarm, session.id);
      if (remote) this.deps.remote?.cluster.leaveSwarm(swarm, session.id);
    }
    session.swarms = null;
  }
}
