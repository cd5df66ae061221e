// The cluster benchmark's table (one column per setup) and JSON record, with the figures issue 6 asks for:
// the scaling ratio and what Redis adds to each message that crosses processes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import type { SignalBenchConfig } from './bench-config';
import type { ClusterResult } from './cluster-bench';
import type { RelayFigures } from './measure-server';
import { count, micros } from './report';

/** CPU per received message of the server processes (first `servers` pids) or of redis-server (the rest). */
function perMessage(result: ClusterResult, phase: RelayFigures, part: 'servers' | 'redis'): number {
  const byProcess = phase.cpuMicrosByProcess;
  const picked = part === 'servers' ? byProcess.slice(0, result.servers) : byProcess.slice(result.servers);
  const micros = picked.reduce((sum, value) => sum + value, 0);
  return phase.received > 0 ? micros / phase.received : 0;
}

/** Cores busy (CPU seconds per second) during saturation. */
function busy(result: ClusterResult, part: 'servers' | 'redis'): number {
  return (perMessage(result, result.saturation, part) * result.saturation.messagesPerSecond) / 1e6;
}

export interface ClusterSummary {
  /** Saturation throughput of N processes over 1 process on Redis, as measured on this machine. */
  scalingAcross: number | null;
  scalingWithin: number | null;
  /** OFFER/s one server core relays (1e6 / servers' CPU per OFFER at saturation), per setup name. */
  perServerCore: Record<string, number>;
  /**
   * What a message costs more when it crosses processes through Redis than in memory (µs of CPU, servers and
   * redis-server together): at saturation (the marginal cost under load) and at the fixed rate.
   */
  redisCostPerCrossMessage: { saturation: number; fixedRate: number } | null;
  /** redis-server's own CPU per cross-process OFFER at saturation: sizes Redis. */
  redisServerPerCrossMessage: number | null;
  /** What cluster mode adds to a relay between peers on the same process (µs, saturation). */
  clusterOverheadLocal: number | null;
}

export function summarize(results: ClusterResult[]): ClusterSummary {
  const find = (test: (result: ClusterResult) => boolean) => results.find(test);
  const memory = find((result) => !result.setup.redis);
  const single = find((result) => result.setup.redis && result.setup.processes === 1);
  const across = find((result) => result.setup.cross);
  const within = find((result) => result.setup.redis && result.setup.processes > 1 && !result.setup.cross);
  const ratio = (a?: ClusterResult, b?: ClusterResult) =>
    a && b && b.saturation.messagesPerSecond > 0
      ? a.saturation.messagesPerSecond / b.saturation.messagesPerSecond
      : null;
  const saturated = (result: ClusterResult) => result.saturation.cpuMicrosPerMessage;
  const perServerCore = Object.fromEntries(
    results.map((result) => [
      result.setup.name,
      1e6 / (perMessage(result, result.saturation, 'servers') || 1),
    ]),
  );
  return {
    scalingAcross: ratio(across, single),
    scalingWithin: ratio(within, single),
    perServerCore,
    redisCostPerCrossMessage:
      across && memory
        ? {
            saturation: saturated(across) - saturated(memory),
            fixedRate: across.rate.cpuMicrosPerMessage - memory.rate.cpuMicrosPerMessage,
          }
        : null,
    redisServerPerCrossMessage: across ? perMessage(across, across.saturation, 'redis') : null,
    clusterOverheadLocal: single && memory ? saturated(single) - saturated(memory) : null,
  };
}

export function printClusterReport(results: ClusterResult[], config: SignalBenchConfig): void {
  const cores = (value: number) => value.toFixed(2);
  const summary = summarize(results);
  const perMessageRow = (label: string, phase: 'rate' | 'saturation', part: 'servers' | 'redis') =>
    [label, (result: ClusterResult) => micros(perMessage(result, result[phase], part))] as const;
  const rows: (readonly [string, (result: ClusterResult) => string])[] = [
    ['relayed OFFER/s at saturation', (result) => count(result.saturation.messagesPerSecond)],
    perMessageRow('CPU per OFFER at saturation, servers', 'saturation', 'servers'),
    perMessageRow('CPU per OFFER at saturation, redis-server', 'saturation', 'redis'),
    ['OFFER/s per server core (1e6 / CPU)', (result) => count(summary.perServerCore[result.setup.name] ?? 0)],
    perMessageRow(`CPU per OFFER at ${count(config.rate)}/s, servers`, 'rate', 'servers'),
    perMessageRow(`CPU per OFFER at ${count(config.rate)}/s, redis-server`, 'rate', 'redis'),
    ['cores busy at saturation, servers', (result) => cores(busy(result, 'servers'))],
    ['cores busy at saturation, redis-server', (result) => cores(busy(result, 'redis'))],
    [
      'OFFERs lost or corrupted',
      (result) =>
        count(
          result.rate.lost + result.saturation.lost + result.rate.corrupted + result.saturation.corrupted,
        ),
    ],
  ];
  const header = ['', ...results.map((result) => result.setup.label)];
  const table = rows.map(([label, value]) => [label, ...results.map(value)]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...table].map((line) => line[column]?.length ?? 0)),
  );
  console.log(
    `\nSignal cluster: ${config.pairs} sender→receiver pairs, OFFERs of ${results[0]?.rate.frameBytes ?? 0} bytes, ` +
      `load clients in their own processes on the same ${cpus().length} cores: compare ratios, not absolutes.\n`,
  );
  for (const line of [header, ...table]) {
    console.log(
      line
        .map((cell, n) => (n === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[n] ?? 0)))
        .join('  '),
    );
  }
  const times = (value: number | null) => (value === null ? '–' : `${value.toFixed(2)}×`);
  const us = (value: number | null) => (value === null ? '–' : micros(value));
  const cost = summary.redisCostPerCrossMessage;
  console.log(
    `\nscaling measured here (saturation, N processes / 1 process on Redis): pairs across ${times(summary.scalingAcross)}, ` +
      `pairs within ${times(summary.scalingWithin)}\n` +
      `Redis cost per cross-process OFFER (all processes, vs in memory): ${us(cost?.saturation ?? null)} under load, ` +
      `${us(cost?.fixedRate ?? null)} at ${count(config.rate)}/s; redis-server's own share under load: ` +
      `${us(summary.redisServerPerCrossMessage)}. Cluster mode on a relay within one process: ${us(summary.clusterOverheadLocal)}\n` +
      'Read it knowing that: saturation is closed-loop and the load clients share the cores, so the busy rows tell\n' +
      'whether the servers were the limit; the per-core figure (1e6 / CPU per OFFER at saturation) is what carries\n' +
      'over to machines with a core per process. At a fixed low rate each event-loop wake-up (a few per batch of\n' +
      'messages, more when they cross Redis) weighs on every message, hence the higher figures there.',
  );
  for (const result of results) {
    const others = { ...result.rate.others, ...result.saturation.others };
    if (Object.keys(others).length > 0)
      console.log(`${result.setup.name}: other messages ${JSON.stringify(others)}`);
  }
}

export function writeClusterReport(results: ClusterResult[], config: SignalBenchConfig): void {
  const record = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    config,
    results,
    summary: summarize(results),
  };
  mkdirSync(dirname(config.out), { recursive: true });
  writeFileSync(config.out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`\nwrote ${config.out}`);
}
