// Cluster mode's ClusterPort on Redis: claims ids (unique across processes), finds which process holds a
// peer (cached briefly), publishes messages to that process's channel, hands what arrives on ours to the
// signaling rules, and refreshes every entry this process holds in one batch per clusterRefreshMs.

import type { SignalServerConfig } from '../config';
import type { ClaimResult, ClusterInbox, ClusterPort, RoutedMessage } from '../signaling-ports';
import type { PeerTraits } from '../swarms/peer-traits';
import type { Candidate } from '../swarms/rank-peers';
import { ClusterHashes, type ClusterHashesDeps } from './cluster-hashes';
import { type ClusterMessage, decodeClusterBatch, encodeClusterBatch } from './cluster-messages';
import type { ClusterTelemetry } from './cluster-metrics';
import { ClusterPeerReports, type ClusterPeerReportsDeps } from './cluster-peer-reports';
import { ClusterSwarms } from './cluster-swarms';
import { LocationCache } from './location-cache';
import type { RedisLink } from './redis-link';
import { type ClusterKeys, locationValue, parseLocation, scriptedPipeline } from './redis-scripts';

export interface ClusterRouterDeps {
  link: RedisLink;
  keys: ClusterKeys;
  /** This process's id. */
  node: string;
  telemetry: ClusterTelemetry;
  config: Pick<SignalServerConfig, 'clusterTtlMs' | 'expireTimeoutMs' | 'ranking'> &
    ClusterHashesDeps['config'] &
    ClusterPeerReportsDeps['config'];
}

/** Locations remembered: enough for every peer a busy process talks to within the cache's age. */
const LOCATION_CACHE_ENTRIES = 100_000;
const LOCATION_CACHE_MS = 5_000;

interface Pending {
  message: RoutedMessage;
  hops: number;
}

/** A message on its way out. `retried`: already sent once to a process found dead; no second look-up. */
interface Outgoing {
  message: ClusterMessage;
  retried: boolean;
}

export class ClusterRouter implements ClusterPort {
  readonly swarms: ClusterSwarms;
  readonly hashes: ClusterHashes;
  readonly peerReports: ClusterPeerReports;
  private inbox: ClusterInbox | null = null;
  private readonly cache = new LocationCache(LOCATION_CACHE_ENTRIES, LOCATION_CACHE_MS);
  /** Look-ups in flight, per destination: later messages wait behind the first, so order holds. */
  private readonly lookups = new Map<string, Pending[]>();
  /** Redis's clock minus ours (ms), measured at each refresh. */
  private clockOffset = 0;
  private refreshing = false;
  /** Messages for each process gathered during this event-loop turn, published together at its end. */
  private readonly outbox = new Map<string, Outgoing[]>();
  private flushScheduled = false;

  constructor(private readonly deps: ClusterRouterDeps) {
    const { link, keys, config, telemetry } = deps;
    const peerReports = new ClusterPeerReports({ redis: link.redis, keys, config, telemetry });
    this.peerReports = peerReports;
    this.swarms = new ClusterSwarms({
      redis: link.redis,
      keys,
      ttlMs: config.clusterTtlMs,
      matching: config.ranking === 'matching',
      redisNow: () => Date.now() + this.clockOffset,
      telemetry,
      learnedExcluded: (swarm, peers) => peerReports.learned(swarm, peers),
    });
    const post = (target: string, message: ClusterMessage) => this.post(target, message, false);
    this.hashes = new ClusterHashes({ redis: link.redis, keys, node: deps.node, config, telemetry, post });
  }

  /** The signaling rules to hand messages to; set once, before any traffic. */
  attach(inbox: ClusterInbox): void {
    this.inbox = inbox;
  }

  async claim(id: string, token: string): Promise<ClaimResult> {
    const { link, keys, node, config, telemetry } = this.deps;
    let result: ClaimResult;
    try {
      const value = locationValue(node, token);
      const reply = await link.redis.claimPeer(
        keys.location(id),
        keys.waiting(id),
        value,
        token,
        config.clusterTtlMs,
      );
      if (reply[0] === 1) {
        const [, previous, waiting] = reply;
        const before = previous ? parseLocation(previous).node : node;
        // Taken over from another process (a reconnect that landed elsewhere): that one ends its socket.
        if (before !== node) this.post(before, { type: 'evict', id, token }, false);
        for (const waiter of waiting)
          if (waiter !== node) this.post(waiter, { type: 'arrived', id, node }, false);
        result = 'claimed';
      } else result = 'taken';
    } catch {
      telemetry.redisError('claim');
      result = 'unavailable';
    }
    telemetry.claimed(result);
    return result;
  }

  release(id: string, token: string): void {
    const { link, keys, node, telemetry } = this.deps;
    link.redis
      .releasePeer(keys.location(id), locationValue(node, token))
      .catch(() => telemetry.redisError('release'));
  }

  forward(message: RoutedMessage, hops: number): void {
    const node = hops === 0 ? this.cache.get(message.dst) : undefined;
    if (node !== undefined) this.post(node, { type: 'deliver', hops, message }, false);
    // Sent on by the process the sender's process had found: it lacks the peer, so it is no answer.
    else this.locate({ message, hops }, hops === 0 ? '' : this.deps.node);
  }

  joinSwarm(swarm: string, id: string, traits: PeerTraits, count: number): Promise<Candidate[] | null> {
    return this.swarms.join(swarm, id, traits, count);
  }

  leaveSwarm(swarm: string, id: string, traits: PeerTraits | null): void {
    this.swarms.leave(swarm, id, traits);
  }

  /** A batch on this process's channel. */
  receive(text: string): void {
    const { telemetry } = this.deps;
    for (const message of decodeClusterBatch(text) ?? [null]) {
      if (message) this.dispatch(message);
      else telemetry.received('malformed');
    }
  }

  private dispatch(message: ClusterMessage): void {
    this.deps.telemetry.received(message.type);
    const inbox = this.inbox;
    if (!inbox) return;
    switch (message.type) {
      case 'deliver':
        inbox.receive(message.message, message.hops);
        break;
      case 'arrived':
        this.cache.set(message.id, message.node);
        inbox.arrived(message.id);
        break;
      case 'evict':
        inbox.evict(message.id, message.token);
        break;
      case 'hash':
        inbox.hashAccepted(message.swarm, message.hash);
        break;
    }
  }

  /**
   * Refreshes, in one pipeline, the location of every peer here and every membership of theirs, and learns
   * Redis's clock. Also run when Redis comes back: entries it lost are written again.
   */
  async refresh(): Promise<void> {
    const inbox = this.inbox;
    if (!inbox || this.refreshing || !this.deps.link.isUp()) return;
    this.refreshing = true;
    const { link, keys, node, config, telemetry } = this.deps;
    const started = performance.now();
    try {
      const pipeline = scriptedPipeline(link.redis);
      pipeline.time();
      const peers = [...inbox.peers()].map(({ id, token, traits }) => ({ id, token, traits }));
      for (const { id, token } of peers)
        pipeline.refreshPeer(keys.location(id), locationValue(node, token), config.clusterTtlMs);
      const traits = new Map(peers.map(({ id, traits }) => [id, traits]));
      const swarms = this.swarms.addRefresh(pipeline, inbox.swarms(), (id) => traits.get(id) ?? null);
      const replies = (await pipeline.exec()) ?? [];
      const [timeError, time] = replies[0] ?? [];
      if (!timeError && Array.isArray(time)) {
        const midpoint = Date.now() - (performance.now() - started) / 2;
        this.clockOffset = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000) - midpoint;
      }
      peers.forEach(({ id }, n) => {
        const [error, reply] = replies[n + 1] ?? [];
        if (error) telemetry.redisError('refresh');
        // Held elsewhere now: a reconnect landed on another process, or Redis lost it and another took it.
        else if (typeof reply === 'string') inbox.evict(id, parseLocation(reply).token);
      });
      telemetry.refreshed((performance.now() - started) / 1000, peers.length, swarms);
    } catch {
      telemetry.redisError('refresh');
    } finally {
      this.refreshing = false;
    }
  }

  private post(node: string, message: ClusterMessage, retried: boolean): void {
    this.deps.telemetry.sent(message.type);
    const batch = this.outbox.get(node);
    if (batch) batch.push({ message, retried });
    else this.outbox.set(node, [{ message, retried }]);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** One SPUBLISH per process for everything this turn produced: Redis and ioredis work per batch, not per message. */
  private flush(): void {
    this.flushScheduled = false;
    const { link, keys, telemetry } = this.deps;
    for (const [node, batch] of this.outbox) {
      const text = encodeClusterBatch(batch.map(({ message }) => message));
      telemetry.published();
      link.publish(keys.channel(node), text).then(
        (listeners) => {
          if (listeners === 0) this.unheard(node, batch);
        },
        () => {
          telemetry.redisError('publish');
          for (const { message } of batch)
            if (message.type === 'deliver') this.inbox?.absent(message.message);
        },
      );
    }
    this.outbox.clear();
  }

  /** Nobody listens on that process's channel: it died, and its entries are ghosts until the TTL. */
  private unheard(node: string, batch: Outgoing[]): void {
    this.deps.telemetry.unheard();
    for (const { message, retried } of batch) {
      if (message.type !== 'deliver') continue;
      this.cache.forget(message.message.dst, node);
      if (retried) this.inbox?.absent(message.message);
      else this.locate({ message: message.message, hops: message.hops }, node, true);
    }
  }

  /** Finds the process holding message.dst, or registers this one to hear when it connects (then: absent). */
  private locate(pending: Pending, dead: string, retried = false): void {
    const dst = pending.message.dst;
    const waiting = this.lookups.get(dst);
    if (waiting) {
      waiting.push(pending);
      return;
    }
    this.lookups.set(dst, [pending]);
    const { link, keys, node, config, telemetry } = this.deps;
    const settle = (holder: string | null) => {
      const batch = this.lookups.get(dst) ?? [];
      this.lookups.delete(dst);
      // Held here (claimed, not yet open) or nowhere: absent() holds it, and this process hears of arrival.
      if (holder === null || holder === node) for (const { message } of batch) this.inbox?.absent(message);
      else {
        this.cache.set(dst, holder);
        for (const { message, hops } of batch) this.post(holder, { type: 'deliver', hops, message }, retried);
      }
    };
    link.redis
      .locatePeer(keys.location(dst), keys.waiting(dst), node, config.expireTimeoutMs, dead)
      .then(settle, () => {
        telemetry.redisError('locate');
        settle(null);
      });
  }
}
