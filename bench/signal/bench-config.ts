// The signal benchmark's settings: every knob with its default in one place, and the flags that map onto it.
import { parseArgs } from 'node:util';

export type ServerName = 'reference' | 'ours';
export const SERVER_NAMES: readonly ServerName[] = ['reference', 'ours'];

export interface SignalBenchConfig {
  /** Idle PeerJS connections held open for the memory figure. Default 9,000. */
  connections: number;
  /** Load-client processes share the idle connections so none nears the 20,000 open-files limit. Default 8,000. */
  connectionsPerClient: number;
  /** Handshakes in flight per load-client process while connecting. Default 64. */
  connectConcurrency: number;
  /** OFFERs relayed in the fixed-rate phase (the CPU-per-message figure). Default 40,000. */
  messages: number;
  /** Total OFFERs per second, all senders together, in the fixed-rate phase. Default 5,000. */
  rate: number;
  /** Sender → receiver pairs carrying the relay load (spreads it under per-connection rate limits). Default 500. */
  pairs: number;
  /** Load-client processes sharing the pairs: one alone cannot keep a fast server busy. Default 2. */
  relayClients: number;
  /** Length of the closed-loop saturation phase (the max-throughput figure). Default 6 s. */
  saturationSeconds: number;
  /** OFFERs each pair keeps in flight during saturation. Default 4. */
  window: number;
  /** HEARTBEAT interval per connection, as the stock client (it keeps servers' idle timeouts at bay). Default 5 s. */
  heartbeatMs: number;
  /** Measure only one server. Default: both, reference first. */
  only: ServerName | undefined;
  /**
   * Cluster mode instead: our server in memory, on Redis alone, and this many processes on one Redis with
   * pairs across processes (relay rate, CPU per message incl. redis-server, scaling). Default: off.
   */
  cluster: number | undefined;
  /** Where the JSON results go. Default `bench/results/signal.json`. */
  out: string;
}

export const signalBenchDefaults: SignalBenchConfig = {
  connections: 9_000,
  connectionsPerClient: 8_000,
  connectConcurrency: 64,
  messages: 40_000,
  rate: 5_000,
  pairs: 500,
  relayClients: 2,
  saturationSeconds: 6,
  window: 4,
  heartbeatMs: 5_000,
  only: undefined,
  cluster: undefined,
  out: 'bench/results/signal.json',
};

const USAGE = `usage: npm run bench:signal -- [--connections N] [--messages N] [--rate N/s] [--pairs N]
       [--relay-clients N] [--saturation-seconds S] [--window N] [--only ours|reference] [--out FILE]
       [--cluster N]   (N ≥ 2 processes on one Redis; writes bench/results/signal-cluster.json by default)`;

/** Flags are the config fields in kebab-case; anything else is an error with the usage line. */
export function parseBenchFlags(argv: string[]): SignalBenchConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string' },
      messages: { type: 'string' },
      rate: { type: 'string' },
      pairs: { type: 'string' },
      'relay-clients': { type: 'string' },
      'saturation-seconds': { type: 'string' },
      window: { type: 'string' },
      only: { type: 'string' },
      cluster: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const config = { ...signalBenchDefaults };
  const positive = (flag: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0)
      throw new Error(`--${flag} must be a positive number\n${USAGE}`);
    return parsed;
  };
  config.connections = Math.round(positive('connections', values.connections, config.connections));
  config.messages = Math.round(positive('messages', values.messages, config.messages));
  config.rate = positive('rate', values.rate, config.rate);
  config.pairs = Math.round(positive('pairs', values.pairs, config.pairs));
  config.relayClients = Math.round(positive('relay-clients', values['relay-clients'], config.relayClients));
  config.saturationSeconds = positive(
    'saturation-seconds',
    values['saturation-seconds'],
    config.saturationSeconds,
  );
  config.window = Math.round(positive('window', values.window, config.window));
  if (values.only !== undefined) {
    const only = SERVER_NAMES.find((name) => name === values.only);
    if (!only) throw new Error(`--only must be "ours" or "reference"\n${USAGE}`);
    config.only = only;
  }
  if (values.cluster !== undefined) {
    const processes = Number(values.cluster);
    if (!Number.isInteger(processes) || processes < 2)
      throw new Error(`--cluster must be 2 or more\n${USAGE}`);
    config.cluster = processes;
  }
  config.out = values.out ?? (config.cluster ? 'bench/results/signal-cluster.json' : config.out);
  return config;
}
