// Turns the per-server results into the side-by-side table and the JSON record of a signal benchmark run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import type { SignalBenchConfig } from './bench-config';
import type { ServerResult } from './measure-server';

/** Issue 2's targets for our server. */
export const TARGETS = { rssBytesPerConnection: 2 * 1024, cpuMicrosPerMessage: 6 };

/** Measured earlier on this machine type (issue 2), printed for context; this run's reference column rules. */
const EARLIER =
  'Measured earlier on this machine type: reference 13.5 KB/conn, 18 µs/msg; bare 30-line uWS relay 1.8 KB, 16 µs';

interface Row {
  label: string;
  value: (result: ServerResult) => number;
  format: (value: number) => string;
  /** A target for ours, lower is better. */
  target?: number;
  /** Shares (busy, kernel) describe the run; a ratio of two of them means nothing. */
  ratio?: false;
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
export const micros = (value: number) => `${value.toFixed(2)} µs`;
const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
export const count = (value: number) => Math.round(value).toLocaleString('en-US');

function rows(config: SignalBenchConfig): Row[] {
  return [
    {
      label: `RSS per idle connection (${count(config.connections)})`,
      value: (result) => result.idle.rssBytesPerConnection,
      format: kib,
      target: TARGETS.rssBytesPerConnection,
    },
    {
      label: `CPU per relayed OFFER (${count(config.rate)}/s)`,
      value: (result) => result.rate.cpuMicrosPerMessage,
      format: micros,
      target: TARGETS.cpuMicrosPerMessage,
    },
    {
      label: 'relayed OFFER/s at saturation',
      value: (result) => result.saturation.messagesPerSecond,
      format: count,
    },
    {
      label: 'kernel share of that CPU',
      value: (result) => result.rate.systemShare,
      format: percent,
      ratio: false,
    },
    {
      label: 'server CPU busy at saturation',
      value: (result) => result.saturation.busyShare,
      format: percent,
      ratio: false,
    },
    {
      label: 'CPU per OFFER at saturation',
      value: (result) => result.saturation.cpuMicrosPerMessage,
      format: micros,
    },
    {
      label: 'CPU per connection set-up',
      value: (result) => result.idle.cpuMicrosPerConnect,
      format: micros,
    },
    { label: 'idle connections opened', value: (result) => result.idle.opened, format: count },
    {
      label: 'OFFERs lost or corrupted',
      value: (result) =>
        result.rate.lost + result.saturation.lost + result.rate.corrupted + result.saturation.corrupted,
      format: count,
    },
  ];
}

export function printReport(results: ServerResult[], config: SignalBenchConfig): void {
  const reference = results.find((result) => result.name === 'reference');
  const ours = results.find((result) => result.name === 'ours');
  const frameBytes = results[0]?.rate.frameBytes ?? 0;
  console.log(
    `\nSignal servers under the same load, one after the other in this run. The load clients run in separate\n` +
      `processes but share the machine's ${cpus().length} cores with the server: compare the ratios, not absolutes.\n` +
      `OFFER frames are ${frameBytes} bytes (SDP ~300 B), ${config.pairs} sender→receiver pairs in ` +
      `${config.relayClients} load processes.\n${EARLIER}.\n`,
  );
  const header = ['', 'reference', 'ours', 'ours/ref', 'target', 'status'];
  const table = rows(config).map((row) => {
    const ref = reference ? row.value(reference) : undefined;
    const our = ours ? row.value(ours) : undefined;
    const comparable = row.ratio !== false && ref !== undefined && our !== undefined && ref > 0;
    const ratio = comparable ? `${(our / ref).toFixed(2)}×` : '–';
    const status = row.target === undefined || our === undefined ? '' : our <= row.target ? 'met' : 'MISSED';
    return [
      row.label,
      ref === undefined ? '–' : row.format(ref),
      our === undefined ? '–' : row.format(our),
      ratio,
      row.target === undefined ? '' : `≤ ${row.format(row.target)}`,
      status,
    ];
  });
  const widths = header.map((_, column) =>
    Math.max(...[header, ...table].map((line) => line[column]?.length ?? 0)),
  );
  for (const line of [header, ...table]) {
    console.log(
      line
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    );
  }
  console.log(
    'CPU is utime+stime from /proc/<pid>/stat (10 ms ticks). At saturation, a server busy well under 100% of\n' +
      'one core was held back by the load clients, not by itself; its CPU per OFFER still holds.',
  );
  for (const result of results) {
    const others = { ...result.rate.others, ...result.saturation.others };
    if (Object.keys(others).length > 0)
      console.log(`${result.name}: other messages during relay ${JSON.stringify(others)}`);
    if (result.idle.failed > 0)
      console.log(
        `${result.name}: ${result.idle.failed} idle connections failed: ${result.idle.errors.join('; ')}`,
      );
  }
}

export function writeReport(results: ServerResult[], config: SignalBenchConfig): void {
  const reference = results.find((result) => result.name === 'reference');
  const ours = results.find((result) => result.name === 'ours');
  const ratio = (pick: (result: ServerResult) => number) =>
    reference && ours && pick(reference) > 0 ? pick(ours) / pick(reference) : null;
  const record = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    config,
    targets: TARGETS,
    results,
    oursOverReference: {
      rssBytesPerConnection: ratio((result) => result.idle.rssBytesPerConnection),
      cpuMicrosPerMessage: ratio((result) => result.rate.cpuMicrosPerMessage),
      saturationMessagesPerSecond: ratio((result) => result.saturation.messagesPerSecond),
    },
  };
  mkdirSync(dirname(config.out), { recursive: true });
  writeFileSync(config.out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`\nwrote ${config.out}`);
}
