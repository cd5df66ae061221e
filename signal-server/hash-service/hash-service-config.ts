// The hash service's settings: part of the signal server's one config object (config.ts spreads this table
// into it, which checks every field's shape), kept here so they read together and merge apart from the other
// groups of flags.

export const hashServiceConfigSpec = {
  hashOrigins: {
    default: '',
    help: "Media origins whose segments this server fetches and hashes itself, comma-separated scheme://host[:port] (port may be *, e.g. http://localhost:*): hashes as strong as an origin sidecar, so viewers share from the second one on; '' = off",
  },
  hashFetchTimeoutMs: {
    default: 10_000,
    help: 'Hash service: longest fetch of one segment from its origin (connection, headers and body)',
  },
  hashFetchMaxBytes: {
    default: 64 * 1024 * 1024,
    help: 'Hash service: a segment larger than this is not hashed (the fetch is aborted when it passes the cap)',
  },
  hashFetchConcurrency: {
    default: 4,
    help: 'Hash service: fetches from origins at the same time, per process',
  },
  hashFetchQueue: {
    default: 1_000,
    help: 'Hash service: segments waiting for a fetch slot, per process; beyond, one is not fetched now (asked again later)',
  },
  hashFetchEntries: {
    default: 50_000,
    help: 'Hash service, one process: segments whose outcome is remembered (cluster mode: in Redis, by TTL only)',
  },
  hashFetchRetryMs: {
    default: 5_000,
    help: 'Hash service: after a failure that may pass (timeout, 404, 5xx), the segment is not fetched again for this long',
  },
  hashFetchRefusedTtlMs: {
    default: 600_000,
    help: 'Hash service: after a refusal (address or URL policy, no-store, too large, 401/403), the segment is left to the quorum this long',
  },
} as const;
