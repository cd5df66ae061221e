// Prometheus counters for the segment-trust messages (votes, acceptances, conflicts, queries, ignored
// messages, peer reports, the hash service's hashes), on the server's registry, fed by the HashExchange's telemetry.
import { Counter, type Registry } from 'prom-client';
import type { HashTelemetry } from './hash-exchange';

const PREFIX = 'peerlane_signal_';

export function createHashMetrics(registry: Registry): HashTelemetry {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `${PREFIX}${name}`, help, labelNames, registers: [registry] });
  const reports = counter(
    'hash_reports_total',
    'SEGMENT-HASH votes from swarm members, by result (counted, accepted, agreed, conflict, duplicate, full, unavailable)',
    ['result'],
  );
  const accepted = counter(
    'hashes_accepted_total',
    'Segment hashes that reached the quorum (held votes included, once the hash service gave up on the origin)',
  );
  const conflicts = counter(
    'hash_conflicts_total',
    'SEGMENT-HASH votes contradicting a hash already accepted (a corrupt or lying viewer, or a changed origin)',
  );
  const queries = counter('hash_queries_total', 'SEGMENT-HASH-QUERY messages answered');
  const segments = counter(
    'hash_query_segments_total',
    'Segments in queries, by outcome: asked, answered at once, notified later (once, when accepted)',
    ['outcome'],
  );
  const ignored = counter(
    'hash_ignored_total',
    'Trust messages ignored, by type and reason (not-member, excluded, self-report)',
    ['type', 'reason'],
  );
  const peerReports = counter(
    'peer_reports_total',
    'PEER-REPORT messages, by result (counted, excluded, duplicate, already-excluded, off)',
    ['result'],
  );
  const published = counter(
    'hashes_published_total',
    "Hashes the hash service fetched from an origin, by what the swarm's ledger did (published, upgraded, agreed, conflict, unavailable)",
    ['result'],
  );
  return {
    published: (result) => published.labels(result).inc(),
    released: () => accepted.inc(),
    voted: (result) => {
      reports.labels(result).inc();
      if (result === 'accepted') accepted.inc();
      if (result === 'conflict') conflicts.inc();
    },
    queried: (asked, answered) => {
      queries.inc();
      segments.labels('asked').inc(asked);
      segments.labels('answered').inc(answered);
    },
    notified: () => segments.labels('notified').inc(),
    ignored: (type, reason) => ignored.labels(type, reason).inc(),
    peerReported: (result) => peerReports.labels(result).inc(),
  };
}
