// Prometheus series of the hash service, on the server's registry: claims by what they found, fetches by
// outcome (one counter per outcome, with their duration and the bytes hashed), fetches running and queued.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FetchSlots } from './fetch-slots';
import type { HashServiceTelemetry } from './hash-service';

const PREFIX = 'peerlane_signal_';

export function createHashServiceMetrics(registry: Registry, slots: FetchSlots): HashServiceTelemetry {
  const registers = [registry];
  const claims = new Counter({
    name: `${PREFIX}hash_service_claims_total`,
    help: 'Segments the hash service was asked about, by what the claim found (claimed, pending, hashed, refused, retry-later, unavailable)',
    labelNames: ['state'],
    registers,
  });
  const fetches = new Counter({
    name: `${PREFIX}hash_service_fetches_total`,
    help: 'Origin fetches by outcome (fetched, refused-policy, refused-address, redirect, no-store, too-large, timeout, http-error, network-error, bad-response, busy, unavailable)',
    labelNames: ['outcome'],
    registers,
  });
  const seconds = new Histogram({
    name: `${PREFIX}hash_service_fetch_seconds`,
    help: 'Duration of origin fetches that ran, whatever their outcome',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const bytes = new Counter({
    name: `${PREFIX}hash_service_bytes_total`,
    help: 'Segment bytes fetched and hashed by the hash service',
    registers,
  });
  new Gauge({
    name: `${PREFIX}hash_service_fetches_active`,
    help: 'Origin fetches running (hashFetchConcurrency at most) and waiting for a slot',
    labelNames: ['state'],
    registers,
    collect() {
      this.labels('running').set(slots.active);
      this.labels('queued').set(slots.queued);
    },
  });
  return {
    claimed: (state) => claims.labels(state).inc(),
    fetched: (outcome, duration, size) => {
      fetches.labels(outcome).inc();
      if (duration > 0) seconds.observe(duration);
      if (size > 0) bytes.inc(size);
    },
  };
}
