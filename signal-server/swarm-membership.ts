// The swarm rules on top of the registry: SWARM-JOIN answers SWARM-PEERS (bounded, ranked) and announces
// the newcomer to a bounded number of members with SWARM-JOINED; leave on SWARM-LEAVE or on close.
import type { SignalServerConfig } from './config';
import type { ErrorReport } from './errors';
import type { PeerDirectory } from './peer-directory';
import type { PeerSession } from './peer-session';
import type { RankPeers } from './rank-peers';
import { encodeSwarmServerMessage } from './swarm-messages';
import type { SwarmRegistry } from './swarms';

type Limits = Pick<SignalServerConfig, 'maxSwarmsPerPeer' | 'swarmPeersLimit' | 'swarmAnnounceLimit'>;

export interface SwarmMembershipDeps<Socket> {
  registry: SwarmRegistry;
  directory: PeerDirectory<PeerSession<Socket>>;
  rank: RankPeers;
  send(session: PeerSession<Socket>, text: string): void;
  error(session: PeerSession<Socket>, report: ErrorReport): void;
}

export class SwarmMembership<Socket> {
  constructor(
    private readonly limits: Limits,
    private readonly deps: SwarmMembershipDeps<Socket>,
  ) {}

  /** Joining a swarm again is allowed: it answers a fresh SWARM-PEERS (a way to ask for more peers). */
  join(session: PeerSession<Socket>, swarm: string): void {
    const { registry, directory, send } = this.deps;
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
    const limit = this.limits.swarmPeersLimit;
    const candidates = registry.sample(swarm, limit, session.id);
    const peers = this.deps.rank(candidates, { swarm, joiner: session.id }, limit);
    send(session, encodeSwarmServerMessage({ type: 'SWARM-PEERS', payload: { swarm, peers } }));
    if (!isNew) return;
    const announcement = encodeSwarmServerMessage({
      type: 'SWARM-JOINED',
      payload: { swarm, peer: session.id },
    });
    for (const member of registry.sample(swarm, this.limits.swarmAnnounceLimit, session.id)) {
      const target = directory.get(member);
      if (target) send(target, announcement);
    }
  }

  /** Leaving a swarm one is not in is a no-op, not an error (a late SWARM-LEAVE after a close race). */
  leave(session: PeerSession<Socket>, swarm: string): void {
    const index = session.swarms?.indexOf(swarm) ?? -1;
    if (index === -1) return;
    session.swarms?.splice(index, 1);
    if (session.swarms?.length === 0) session.swarms = null;
    this.deps.registry.leave(swarm, session.id);
  }

  leaveAll(session: PeerSession<Socket>): void {
    for (const swarm of session.swarms ?? []) this.deps.registry.leave(swarm, session.id);
    session.swarms = null;
  }
}
