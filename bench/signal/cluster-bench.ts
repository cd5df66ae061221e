// `npm run bench:signal -- --cluster N`: the relay load through our server in memory (the baseline), on Redis
// alone, and through N processes on one Redis with every pair split across two processes (each message
// crosses Redis pub/sub) or kept within one. CPU counts every server process and redis-server itself.
import { type SignalProcess, startSignalProcess } from '../../tests/support/signal-process';
import { type RedisProcess, startRedis } from '../../tests/unit/signal-cluster-support';
import type { SignalBenchConfig } from './bench-config';
import { killOnExit, type LoadProcess, startLoadProcess } from './load-process';
import { type RelayFigures, relay, split, WARMUP_MESSAGES } from './measure-server';
import { count, micros } from './report';

export interface ClusterSetup {
  name: string;
  label: string;
  processes: number;
  redis: boolean;
  /** Every pair's sender and receiver on different processes. */
  cross: boolean;
}

export interface ClusterResult {
  setup: ClusterSetup;
  /** Pids measured, servers first, then redis-server (cpuMicrosByProcess follows this order). */
  servers: number;
  rate: RelayFigures;
  saturation: RelayFigures;
}

/** The server as the benchmark runs it elsewhere: default limits, the per-connection rate lifted. */
const SERVER_ARGS = ['--port', '0', '--host', '127.0.0.1', '--max-messages-per-second', '1000000'];
const BURST_ARGS = ['--message-burst', '1000000'];

export function clusterSetups(processes: number): ClusterSetup[] {
  return [
    { name: 'memory', label: '1 process, in memory', processes: 1, redis: false, cross: false },
    { name: 'redis-1', label: '1 process on Redis', processes: 1, redis: true, cross: false },
    {
      name: `redis-${processes}-cross`,
      label: `${processes} on Redis, pairs across`,
      processes,
      redis: true,
      cross: true,
    },
    {
      name: `redis-${processes}-local`,
      label: `${processes} on Redis, pairs within`,
      processes,
      redis: true,
      cross: false,
    },
  ];
}

export async function measureCluster(setup: ClusterSetup, config: SignalBenchConfig): Promise<ClusterResult> {
  const log = (line: string) => console.log(`[${setup.name}] ${line}`);
  let redis: RedisProcess | null = null;
  const servers: SignalProcess[] = [];
  const loads: LoadProcess[] = [];
  try {
    redis = setup.redis ? await startRedis() : null;
    const redisArgs = redis ? ['--redis', redis.url] : [];
    for (let n = 0; n < setup.processes; n++) {
      const server = await startSignalProcess({
        args: [...SERVER_ARGS, ...BURST_ARGS, ...redisArgs],
        startTimeoutMs: 30_000,
      });
      killOnExit(server.child);
      servers.push(server);
    }
    log(
      `servers ${servers.map((server) => server.pid).join(', ')}${redis ? `, redis-server ${redis.pid}` : ''}`,
    );
    // One load process per server at least, so that every process sends as well as receives.
    const clients = Math.max(config.relayClients, setup.processes);
    loads.push(...(await Promise.all(Array.from({ length: clients }, () => startLoadProcess()))));
    const shares = split(config.pairs, loads.length);
    const opened = await Promise.all(
      loads.map((load, n) => {
        const sender = servers[n % servers.length] as SignalProcess;
        const receiver = servers[(n + (setup.cross ? 1 : 0)) % servers.length] as SignalProcess;
        return load.request(
          {
            type: 'open',
            port: sender.port,
            ...(setup.cross && { receiverPort: receiver.port }),
            prefix: `${setup.name}${n}-${process.pid}`,
            count: (shares[n] ?? 0) * 2,
            concurrency: config.connectConcurrency,
            heartbeatMs: config.heartbeatMs,
          },
          'opened',
          120_000,
        );
      }),
    );
    const failed = opened.filter((reply) => reply.failed > 0);
    if (failed.length > 0) throw new Error(`pairs could not connect: ${failed[0]?.errors.join('; ')}`);

    const pids = [...servers.map((server) => server.pid), ...(redis ? [redis.pid] : [])];
    await relay(pids, loads, { type: 'rate', messages: WARMUP_MESSAGES, rate: config.rate });
    const rate = await relay(pids, loads, { type: 'rate', messages: config.messages, rate: config.rate });
    log(
      `rate: ${count(rate.received)}/${count(rate.sent)} relayed, ${micros(rate.cpuMicrosPerMessage)} CPU each`,
    );
    const saturation = await relay(pids, loads, {
      type: 'saturate',
      seconds: config.saturationSeconds,
      window: config.window,
    });
    log(`saturation: ${count(saturation.messagesPerSecond)} OFFER/s`);
    return { setup, servers: servers.length, rate, saturation };
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await Promise.all(servers.map((server) => server.stop('SIGTERM', 10_000)));
    await redis?.stop();
  }
}
