// The signal server's one config object: every field with its default and meaning, declared once.
// Flags and env map onto it 1:1 (maxPayloadBytes ⇄ --max-payload-bytes ⇄ PEERLANE_MAX_PAYLOAD_BYTES).
import { SignalServerError } from './errors';
import { hashServiceConfigSpec } from './hash-service/hash-service-config';
import { qoeConfigSpec } from './qoe/qoe-config';

export type FieldSpec = {
  readonly default: number | string | boolean;
  readonly help: string;
  /** An env name other than PEERLANE_<FIELD>, where a convention exists (REDIS_URL). */
  readonly env?: string;
};

/** Defaults and help text; the config type, CLI flags, env names and --help all derive from this table. */
export const signalServerConfigSpec = {
  port: { default: 9000, help: 'TCP port; 0 picks a free port (printed as "listening on <port>")' },
  host: { default: '', help: "Interface to listen on; '' = all interfaces (IPv6 and IPv4)" },
  path: { default: '/', help: 'Mount path of the PeerJS routes (same as the client `path` option)' },
  key: {
    default: 'peerjs',
    help: 'API key clients must present (the client `key` option) when neither --keys nor --keys-file is set',
  },
  keys: {
    default: '',
    help: "Per-site keys, comma-separated: 'key' or 'key:secret' (a secret ≥ 32 chars makes that key require signed join tokens); '' = just --key",
  },
  keysFile: {
    default: '',
    help: 'File of per-site keys: one \'key\' or \'key secret\' per line (# comments), or JSON ["key", {"key":…,"secret":…}]; adds to --keys',
  },
  allowedOrigins: {
    default: '',
    help: "Browser origins allowed to connect, comma-separated: exact (https://a.com) or patterns (*.a.com, https://*.a.com); '' = any origin",
  },
  trustProxy: {
    default: 0,
    help: 'Reverse-proxy hops in front of the server whose X-Forwarded-For is trusted to name the client IP; 0 = use the socket address',
  },
  maxConnectionsPerIp: {
    default: 0,
    help: 'Open WebSockets per client IP beyond which new ones get ERROR too-many-connections; 0 = no limit',
  },
  maxMessagesPerSecondPerIp: {
    default: 0,
    help: 'Sustained messages per second from all connections of one IP together (bucket of 4x this); 0 = no limit',
  },
  minTokenLength: {
    default: 8,
    help: 'Shortest accepted connection token (binds an id; peerjs makes ~11 random base-36 chars)',
  },
  idReserveMs: {
    default: 10_000,
    help: "After a peer's connection closes, its id stays bound to its token this long (reconnect, not squatting); 0 = free at once. One process only",
  },
  swarmOnlySignaling: {
    default: false,
    help: 'Relay OFFER/ANSWER/CANDIDATE only between peers sharing a swarm or already in contact (off: plain PeerJS)',
  },
  allowDiscovery: { default: false, help: 'Answer GET <path><key>/peers with every connected id' },
  allowFallback: { default: false, help: 'Start even when uWebSockets.js fell back to its slow `ws` shim' },
  maxConnections: {
    default: 15_000,
    help: 'Open WebSockets beyond which new ones get ERROR server-full (keep below the open-file limit)',
  },
  maxPayloadBytes: {
    default: 32 * 1024,
    help: 'Largest accepted message; larger gets ERROR payload-too-large (frames over 2x: dropped connection)',
  },
  maxMessagesPerSecond: {
    default: 50,
    help: 'Sustained messages per second per connection (token bucket rate)',
  },
  messageBurst: { default: 200, help: 'Messages a connection may send at once before the rate applies' },
  maxSwarmsPerPeer: { default: 8, help: 'Swarms one connection may be in at the same time' },
  swarmPeersLimit: { default: 20, help: 'Most member ids sent in one SWARM-PEERS answer' },
  swarmAnnounceLimit: {
    default: 10,
    help: 'Most members told of a newcomer with SWARM-JOINED (the join costs the joiner as many messages)',
  },
  ranking: {
    default: 'matching',
    help: "Order of the peers offered in SWARM-PEERS and told of newcomers: 'matching' (same ASN, same country, playback position, upload capacity; tiers sent to the agent) or 'random' (a uniform shuffle, no tiers)",
  },
  geoipAsn: {
    default: '',
    help: "ASN database: a GeoLite2-ASN-style .mmdb file; '' = the embedded @ip-location-db/asn table (loaded in the background); 'off' = none",
  },
  geoipCountry: {
    default: '',
    help: "Country database: a GeoLite2-Country-style .mmdb file; '' = the embedded @ip-location-db/geo-whois-asn-country-mmdb; 'off' = none",
  },
  hashQuorum: {
    default: 2,
    help: 'Distinct viewers (connections) that must report the same SHA-256 for a segment before it is trusted and served to SEGMENT-HASH-QUERY',
  },
  hashQuorumDistinctIps: {
    default: true,
    help: 'Count reporters of a hash (and of a peer, PEER-REPORT) once per client IP: one address cannot make a quorum alone (tests on loopback turn it off)',
  },
  hashSegmentsPerSwarm: {
    default: 4_096,
    help: 'Segments whose votes and accepted hash one swarm keeps; beyond, the least recently used is forgotten',
  },
  hashVotesPerSegment: {
    default: 32,
    help: 'Votes held for one segment until a hash is accepted; later votes are ignored (counted as full)',
  },
  hashTtlMs: {
    default: 30 * 60_000,
    help: "A segment's votes and accepted hash are forgotten after this long without a vote or query",
  },
  hashWaitsPerPeer: {
    default: 256,
    help: 'Queried segments one connection may wait on (answered once when accepted); beyond, not waited on',
  },
  hashWaitsTotal: {
    default: 200_000,
    help: 'Queried segments all connections of this process together may wait on',
  },
  hashWaitMs: {
    default: 30_000,
    help: 'How long a queried segment without an accepted hash waits for one before it is forgotten',
  },
  ...hashServiceConfigSpec,
  peerReportThreshold: {
    default: 3,
    help: 'Distinct reporters (PEER-REPORT) after which a peer is no longer listed in that swarm (SWARM-PEERS, SWARM-JOINED); 0 = off',
  },
  peerReportsPerSwarm: {
    default: 1_024,
    help: 'Reported peers one swarm keeps track of; beyond, the oldest not yet excluded is forgotten',
  },
  maxQueuedPerPeer: { default: 64, help: 'Messages held for one absent peer (beyond: EXPIRE to the sender)' },
  maxQueuedTotal: { default: 20_000, help: 'Messages held for all absent peers together' },
  maxQueuedBytes: {
    default: 16 * 1024 * 1024,
    help: 'Text held for all absent peers together (messages count by length); beyond: EXPIRE to the sender',
  },
  expireTimeoutMs: {
    default: 5_000,
    help: 'How long a message waits for an absent peer before EXPIRE goes back to its sender',
  },
  idleTimeoutMs: {
    default: 60_000,
    help: 'Close a connection that sent nothing for this long (peerjs sends HEARTBEAT every 5 s)',
  },
  sweepIntervalMs: { default: 1_000, help: 'One timer for all sockets: idle checks and queue expiry' },
  maxBufferedBytes: {
    default: 256 * 1024,
    help: 'Unsent bytes allowed per connection; a slower reader is closed (slow-reader)',
  },
  shutdownTimeoutMs: {
    default: 5_000,
    help: 'On SIGTERM (drain) or SIGINT: longest wait for peers to close before exit',
  },
  drainSpreadMs: {
    default: 3_000,
    help: 'On SIGTERM: peers get RECONNECT with a random delay up to this and are closed then (< shutdownTimeoutMs)',
  },
  redis: {
    default: '',
    env: 'REDIS_URL',
    help: "Cluster mode: redis:// or rediss:// URL shared by every process; '' = one process, in memory",
  },
  redisPrefix: { default: 'peerlane', help: 'Cluster mode: prefix of every Redis key and channel' },
  clusterTtlMs: {
    default: 15_000,
    help: "Cluster mode: lifetime of a peer's location and swarm entries in Redis without a refresh",
  },
  clusterRefreshMs: {
    default: 5_000,
    help: 'Cluster mode: how often a process refreshes all its entries in one batch (≤ clusterTtlMs / 2)',
  },
  // Viewer QoE reports: their own group (qoe/qoe-config.ts), so flags of other parts merge around it.
  ...qoeConfigSpec,
} as const satisfies Record<string, FieldSpec>;

type Widen<T> = T extends number ? number : T extends string ? string : T extends boolean ? boolean : never;

export type SignalServerConfig = {
  -readonly [Field in keyof typeof signalServerConfigSpec]: Widen<
    (typeof signalServerConfigSpec)[Field]['default']
  >;
};

export type ConfigField = keyof SignalServerConfig;

export const configFields = Object.keys(signalServerConfigSpec) as ConfigField[];

export const defaultSignalServerConfig: Readonly<SignalServerConfig> = Object.freeze(
  Object.fromEntries(configFields.map((field) => [field, signalServerConfigSpec[field].default])),
) as Readonly<SignalServerConfig>;

/** Fields that may be 0 (port 0 = any free port; 0 = off for the per-IP limits and trustProxy). Every other number must be a positive integer. */
const zeroAllowed: ReadonlySet<ConfigField> = new Set([
  'port',
  'trustProxy',
  'maxConnectionsPerIp',
  'maxMessagesPerSecondPerIp',
  'idReserveMs',
  'peerReportThreshold',
  'qoeTopSwarms',
  'qoeTopAsns',
]);

/** Merges overrides over the defaults once, validates every field, and normalizes `path` to /…/. */
export function resolveConfig(overrides: Partial<SignalServerConfig> = {}): SignalServerConfig {
  const config = { ...defaultSignalServerConfig } as SignalServerConfig;
  for (const field of configFields) {
    const value = overrides[field];
    if (value !== undefined) (config as Record<ConfigField, unknown>)[field] = value;
  }
  for (const field of configFields) {
    const value: unknown = config[field];
    const expected = typeof signalServerConfigSpec[field].default;
    if (typeof value !== expected) invalid(field, value, `a ${expected}`);
    if (typeof value === 'number') {
      const min = zeroAllowed.has(field) ? 0 : 1;
      if (!Number.isSafeInteger(value) || value < min) invalid(field, value, `an integer ≥ ${min}`);
    }
  }
  if (config.port > 65_535) invalid('port', config.port, 'a port number 0-65535');
  if (!/^[A-Za-z0-9._~-]+$/.test(config.key)) invalid('key', config.key, 'letters, digits or . _ ~ -');
  if (config.drainSpreadMs >= config.shutdownTimeoutMs)
    invalid(
      'drainSpreadMs',
      config.drainSpreadMs,
      `less than shutdownTimeoutMs (${config.shutdownTimeoutMs})`,
    );
  if (config.redis && !/^rediss?:\/\/./.test(config.redis))
    invalid('redis', redactUrl(config.redis), 'a redis:// or rediss:// URL');
  if (!/^[A-Za-z0-9._:-]+$/.test(config.redisPrefix))
    invalid('redisPrefix', config.redisPrefix, 'letters, digits or . _ : -');
  if (config.clusterRefreshMs * 2 > config.clusterTtlMs)
    invalid(
      'clusterRefreshMs',
      config.clusterRefreshMs,
      `at most clusterTtlMs / 2 (${config.clusterTtlMs / 2})`,
    );
  if (config.ranking !== 'matching' && config.ranking !== 'random')
    invalid('ranking', config.ranking, "'matching' or 'random'");
  if (config.qoeSecret && config.qoeSecret.length < 32)
    invalid('qoeSecret', '(hidden)', 'at least 32 characters, or empty (random per process)');
  config.path = normalizePath(config.path);
  return config;
}

/** '/signal' → '/signal/'; the peerjs client does the same with its `path` option. */
function normalizePath(path: string): string {
  if (!/^[A-Za-z0-9._~\-/]*$/.test(path)) invalid('path', path, 'a URL path such as / or /signal/');
  const withLead = path.startsWith('/') ? path : `/${path}`;
  return withLead.endsWith('/') ? withLead : `${withLead}/`;
}

/** A URL fit for logs and error messages: the password replaced by ***. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

function invalid(field: string, value: unknown, expected: string): never {
  throw new SignalServerError('invalid-config', { field, value: String(value), expected });
}
