// Prometheus metrics on the server's own registry (several servers can share a process, as in tests):
// gauges read from the signaling state at scrape time, counters fed by the signaling telemetry.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RelayType } from '../protocol/signaling/peerjs-messages';
import type { ErrorCode } from './errors';
import type { EngineKind } from './http/engine-api';
import type { DropReason, SignalStats, SignalTelemetry } from './signaling-ports';

export interface SignalMetrics {
  registry: Registry;
  telemetry: SignalTelemetry;
}

const PREFIX = 'peerlane_signal_';

export function createSignalMetrics(engine: EngineKind, stats: () => SignalStats): SignalMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });

  const gauges: [name: string, field: keyof SignalStats, help: string][] = [
    ['connections', 'connections', 'Open WebSocket connections'],
    ['peers', 'peers', 'Registered peer ids'],
    ['swarms', 'swarms', 'Swarms with at least one member'],
    ['swarm_members', 'members', 'Swarm memberships (a peer in two swarms counts twice)'],
    ['queued_messages', 'queued', 'Messages waiting for a peer that is not connected'],
  ];
  for (const [name, field, help] of gauges) {
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers: [registry],
      collect() {
        this.set(stats()[field]);
      },
    });
  }
  new Gauge({
    name: `${PREFIX}engine_info`,
    help: 'WebSocket engine (native uWS or ws fallback)',
    labelNames: ['engine'],
    registers: [registry],
  }).set({ engine }, 1);

  const relayed = new Counter({
    name: `${PREFIX}messages_relayed_total`,
    help: 'Messages forwarded to their destination, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: `${PREFIX}messages_dropped_total`,
    help: 'Messages not delivered, by type and reason',
    labelNames: ['type', 'reason'],
    registers: [registry],
  });
  const rejects = new Counter({
    name: `${PREFIX}rejects_total`,
    help: 'ERRORs sent and connections ended by the server, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });

  const pairs = new Counter({
    name: `${PREFIX}pairs_total`,
    help: 'Peer pairs offered (SWARM-PEERS entries, SWARM-JOINED notices) and connected (ANSWER relayed), by network: same-asn, cross-asn, unknown',
    labelNames: ['stage', 'network'],
    registers: [registry],
  });
  const viewerStates = new Counter({
    name: `${PREFIX}viewer_states_total`,
    help: 'VIEWER-STATE messages: accepted, or ignored as too-soon after the last one',
    labelNames: ['result'],
    registers: [registry],
  });

  // Label children are looked up once per label set: the relay hot path then costs one add.
  const relayedBy = memo((type: RelayType) => relayed.labels(type));
  const droppedBy = memo((key: string) => {
    const [type = '', reason = ''] = key.split(' ');
    return dropped.labels(type, reason);
  });
  const rejectsBy = memo((code: ErrorCode) => rejects.labels(code));

  return {
    registry,
    telemetry: {
      relayed: (type) => relayedBy(type).inc(),
      dropped: (type: RelayType | 'any', reason: DropReason) => droppedBy(`${type} ${reason}`).inc(),
      rejected: (code) => rejectsBy(code).inc(),
      paired: (stage, network) => pairs.labels(stage, network).inc(),
      viewerState: (result) => viewerStates.labels(result).inc(),
    },
  };
}

function memo<Key, Value>(create: (key: Key) => Value): (key: Key) => Value {
  const cache = new Map<Key, Value>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = create(key);
      cache.set(key, value);
    }
    return value;
  };
}
