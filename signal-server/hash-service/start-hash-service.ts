// Puts the hash service together from the config (`--hash-origins` and the `--hash-fetch-*` limits): null when no
// origin is listed. In cluster mode the claims live in Redis (passed in), else in this process.
import type { Registry } from 'prom-client';
import { version } from '../../package.json';
import type { SignalServerConfig } from '../config';
import { mayConnect } from './address-policy';
import { type FetchClaimsConfig, type FetchClaimsPort, InMemoryFetchClaims } from './fetch-claims';
import { FetchSlots } from './fetch-slots';
import { HashService } from './hash-service';
import { createHashServiceMetrics } from './hash-service-metrics';
import { parseOriginAllowList } from './origin-allow-list';
import { createOriginFetch } from './origin-fetch';

/** The User-Agent of every fetch: origins can tell (and count) the service's requests. */
export const HASH_SERVICE_USER_AGENT = `peerlane-hash-service/${version}`;

export type HashServiceConfig = FetchClaimsConfig &
  Pick<SignalServerConfig, 'hashOrigins' | 'hashFetchMaxBytes' | 'hashFetchConcurrency' | 'hashFetchQueue'>;

export interface HashServiceStart {
  registry: Registry;
  log(line: string): void;
  /** Cluster mode: claims shared through Redis. Default: in this process. */
  claims?: FetchClaimsPort;
}

/** Throws SignalServerError('invalid-config') on a malformed origin list. */
export function startHashService(config: HashServiceConfig, start: HashServiceStart): HashService | null {
  const allowed = parseOriginAllowList(config.hashOrigins);
  if (!allowed) return null;
  const slots = new FetchSlots(config.hashFetchConcurrency, config.hashFetchQueue);
  const now = () => performance.now();
  return new HashService({
    allowed,
    claims: start.claims ?? new InMemoryFetchClaims(config, Date.now),
    slots,
    fetch: createOriginFetch({
      timeoutMs: config.hashFetchTimeoutMs,
      maxBytes: config.hashFetchMaxBytes,
      userAgent: HASH_SERVICE_USER_AGENT,
      mayConnect,
    }),
    telemetry: createHashServiceMetrics(start.registry, slots),
    now,
    log: start.log,
  });
}
