// Runs the whole signal load against one server process: idle-connection memory, then relay CPU at a fixed
// rate, then closed-loop saturation. The server runs alone in its process; load comes from other processes.
import { type SignalProcess, startSignalProcess } from '../../tests/support/signal-process';
import type { ServerName, SignalBenchConfig } from './bench-config';
import type { RelayedReply } from './load-messages';
import { killOnExit, type LoadProcess, startLoadProcess } from './load-process';
import { CPU_RESOLUTION_MICROS, type ProcSample, sampleProcess } from './proc-stats';
import { count, kib, micros } from './report';

export interface ServerTarget {
  name: ServerName;
  /** Node script printing `listening on <port>`. */
  script: string;
  args: string[];
}

export interface RelayFigures {
  sent: number;
  received: number;
  lost: number;
  corrupted: number;
  seconds: number;
  messagesPerSecond: number;
  cpuMicros: number;
  cpuMicrosPerMessage: number;
  /** The CPU of each measured process, in the order given to relay() (one entry for a single server). */
  cpuMicrosByProcess: number[];
  /** Part of the server's CPU time spent in the kernel (0..1). */
  systemShare: number;
  /** Server CPU time over wall time (1 = one core busy): near 1 at saturation means the server was the limit. */
  busyShare: number;
  frameBytes: number;
  /** Non-OFFER messages the clients got during the phase (ERROR, EXPIRE, ...), by type. */
  others: Record<string, number>;
}

export interface ServerResult {
  name: ServerName;
  idle: {
    requested: number;
    opened: number;
    failed: number;
    errors: string[];
    baselineRssBytes: number;
    loadedRssBytes: number;
    rssBytesPerConnection: number;
    connectSeconds: number;
    cpuMicrosPerConnect: number;
  };
  rate: RelayFigures;
  saturation: RelayFigures;
}

export const WARMUP_MESSAGES = 2_000;

export async function measureServer(target: ServerTarget, config: SignalBenchConfig): Promise<ServerResult> {
  const server = await startSignalProcess({
    script: target.script,
    args: target.args,
    startTimeoutMs: 30_000,
  });
  killOnExit(server.child);
  const loads: LoadProcess[] = [];
  try {
    const log = (line: string) => console.log(`[${target.name}] ${line}`);
    log(`pid ${server.pid}, port ${server.port}`);
    // Memory first, on the fresh process: the baseline is the server as started, as an operator sees it.
    const idle = await measureIdle(server, config, log);
    log(`idle: ${idle.opened}/${idle.requested} open, ${kib(idle.rssBytesPerConnection)} each`);

    // Pairs live within one load process; the processes share the pairs and the load evenly.
    loads.push(...(await Promise.all(Array.from({ length: config.relayClients }, () => startLoadProcess()))));
    const pairShares = split(config.pairs, loads.length);
    const opened = await Promise.all(
      loads.map((load, n) =>
        load.request(openCommand(server, config, `pair${n}`, (pairShares[n] ?? 0) * 2), 'opened', 120_000),
      ),
    );
    const failed = opened.filter((reply) => reply.opened < 2);
    if (failed.length > 0) throw new Error(`relay pairs could not connect: ${failed[0]?.errors.join('; ')}`);
    // A little relaying before measuring, so neither server is timed while its JIT warms up.
    await relay([server.pid], loads, { type: 'rate', messages: WARMUP_MESSAGES, rate: config.rate });

    const rate = await relay([server.pid], loads, {
      type: 'rate',
      messages: config.messages,
      rate: config.rate,
    });
    log(
      `rate: ${count(rate.received)}/${count(rate.sent)} relayed, ${micros(rate.cpuMicrosPerMessage)} CPU each`,
    );
    const saturation = await relay([server.pid], loads, {
      type: 'saturate',
      seconds: config.saturationSeconds,
      window: config.window,
    });
    log(`saturation: ${count(saturation.messagesPerSecond)} OFFER/s`);
    return { name: target.name, idle, rate, saturation };
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    const status = await server.stop('SIGTERM', 10_000);
    if (status.code !== 0) console.log(`[${target.name}] exit ${JSON.stringify(status)} (expected code 0)`);
  }
}

function openCommand(server: SignalProcess, config: SignalBenchConfig, prefix: string, sockets: number) {
  return {
    type: 'open' as const,
    port: server.port,
    prefix: `${prefix}-${process.pid}`,
    count: sockets,
    concurrency: config.connectConcurrency,
    heartbeatMs: config.heartbeatMs,
  };
}

async function measureIdle(server: SignalProcess, config: SignalBenchConfig, log: (line: string) => void) {
  const clients = Math.ceil(config.connections / config.connectionsPerClient);
  const loads = await Promise.all(Array.from({ length: clients }, () => startLoadProcess()));
  try {
    const baseline = await settled(server.pid, 'rssBytes');
    const started = performance.now();
    const shares = split(config.connections, clients);
    const replies = await Promise.all(
      loads.map((load, n) =>
        load.request(openCommand(server, config, `idle${n}`, shares[n] ?? 0), 'opened', 180_000),
      ),
    );
    const connectSeconds = (performance.now() - started) / 1000;
    const connectCpu = sampleProcess(server.pid).cpuMicros - baseline.cpuMicros;
    const opened = replies.reduce((sum, reply) => sum + reply.opened, 0);
    const failed = replies.reduce((sum, reply) => sum + reply.failed, 0);
    const errors = [...new Set(replies.flatMap((reply) => reply.errors))];
    if (failed > 0) log(`idle: ${failed} connections failed: ${errors.join('; ')}`);
    const loaded = await settled(server.pid, 'rssBytes');
    const result = {
      requested: config.connections,
      opened,
      failed,
      errors,
      baselineRssBytes: baseline.rssBytes,
      loadedRssBytes: loaded.rssBytes,
      rssBytesPerConnection: opened > 0 ? (loaded.rssBytes - baseline.rssBytes) / opened : 0,
      connectSeconds,
      cpuMicrosPerConnect: opened > 0 ? connectCpu / opened : 0,
    };
    await Promise.all(loads.map((load) => load.request({ type: 'close' }, 'closed', 60_000)));
    return result;
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    // Closing thousands of sockets costs the server CPU; let it finish before the CPU is measured again.
    await settled(server.pid, 'cpuMicros');
  }
}

export type RelayCommand =
  | { type: 'rate'; messages: number; rate: number }
  | { type: 'saturate'; seconds: number; window: number };

/**
 * Runs one relay phase on every load process at once (each its share of a fixed rate) and adds them up.
 * CPU is the sum over `pids`: the server, or several servers and what they share (cluster mode, Redis).
 */
export async function relay(
  pids: number[],
  loads: LoadProcess[],
  command: RelayCommand,
): Promise<RelayFigures> {
  const seconds = command.type === 'rate' ? command.messages / command.rate : command.seconds;
  const messageShares = command.type === 'rate' ? split(command.messages, loads.length) : [];
  const before = pids.map(sampleProcess);
  const replies = await Promise.all(
    loads.map((load, n) => {
      const share: RelayCommand =
        command.type === 'rate'
          ? { type: 'rate', messages: messageShares[n] ?? 0, rate: command.rate / loads.length }
          : command;
      return load.request(share, 'relayed', seconds * 1000 + 60_000);
    }),
  );
  const after = pids.map(sampleProcess);
  const cpuMicrosByProcess = after.map((sample, n) => sample.cpuMicros - (before[n]?.cpuMicros ?? 0));
  const cpuMicros = cpuMicrosByProcess.reduce((sum, micros) => sum + micros, 0);
  const systemMicros = after.reduce(
    (sum, sample, n) => sum + sample.systemMicros - (before[n]?.systemMicros ?? 0),
    0,
  );
  const sum = (pick: (reply: RelayedReply) => number) =>
    replies.reduce((total, reply) => total + pick(reply), 0);
  const sent = sum((reply) => reply.sent);
  const received = sum((reply) => reply.received);
  const elapsed = Math.max(...replies.map((reply) => reply.ms)) / 1000;
  const others: Record<string, number> = {};
  for (const [type, times] of replies.flatMap((reply) => Object.entries(reply.others))) {
    others[type] = (others[type] ?? 0) + times;
  }
  return {
    sent,
    received,
    lost: sent - received,
    corrupted: sum((reply) => reply.corrupted),
    seconds: elapsed,
    messagesPerSecond: elapsed > 0 ? received / elapsed : 0,
    cpuMicros,
    cpuMicrosPerMessage: received > 0 ? cpuMicros / received : 0,
    cpuMicrosByProcess,
    systemShare: cpuMicros > 0 ? systemMicros / cpuMicros : 0,
    busyShare: elapsed > 0 ? cpuMicros / 1e6 / elapsed : 0,
    frameBytes: replies[0]?.frameBytes ?? 0,
    others,
  };
}

/** `total` in `parts` whole shares that differ by one at most. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, n) => Math.floor((total + n) / parts));
}

/**
 * Samples every 500 ms, from 1 s on, until `field` moved less than 0.5% (RSS) or one clock tick (CPU) since
 * the previous sample, for at most 8 s: memory once connections are done allocating, CPU once closes are handled.
 */
async function settled(pid: number, field: keyof ProcSample): Promise<ProcSample> {
  let previous = sampleProcess(pid);
  for (let n = 1; n <= 16; n++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const current = sampleProcess(pid);
    const moved = Math.abs(current[field] - previous[field]);
    previous = current;
    const still = field === 'rssBytes' ? moved < current.rssBytes * 0.005 : moved <= CPU_RESOLUTION_MICROS;
    if (n >= 2 && still) break;
  }
  return previous;
}
