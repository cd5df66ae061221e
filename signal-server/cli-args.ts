// Turns command-line flags and PEERLANE_* env variables into config overrides (flags win over env),
// and renders --help from the same table, so a field, its flag and its env name cannot drift apart.
import {
  type ConfigField,
  configFields,
  type FieldSpec,
  type SignalServerConfig,
  signalServerConfigSpec,
} from './config';
import { SignalServerError } from './errors';

export type CliRequest =
  | { kind: 'help'; text: string }
  | { kind: 'run'; overrides: Partial<SignalServerConfig> };

/** maxPayloadBytes → --max-payload-bytes */
export function flagName(field: ConfigField): string {
  return `--${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** maxPayloadBytes → PEERLANE_MAX_PAYLOAD_BYTES; a field may name its own (redis → REDIS_URL). */
export function envName(field: ConfigField): string {
  const spec: FieldSpec = signalServerConfigSpec[field];
  return spec.env ?? `PEERLANE_${field.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

const fieldByFlag = new Map(configFields.map((field) => [flagName(field), field]));

export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliRequest {
  const overrides: Partial<Record<ConfigField, unknown>> = {};
  for (const field of configFields) {
    const raw = env[envName(field)];
    if (raw !== undefined && raw !== '') overrides[field] = parseValue(field, raw, envName(field));
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: helpText() };
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const field = fieldByFlag.get(flag);
    if (!field) throw new SignalServerError('unknown-flag', { flag: arg });
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (raw === undefined && typeof signalServerConfigSpec[field].default !== 'boolean') {
      raw = argv[++i];
      if (raw === undefined) invalid(flag, '(nothing)', `a value after ${flag}`);
    }
    overrides[field] = parseValue(field, raw ?? 'true', flag);
  }
  return { kind: 'run', overrides: overrides as Partial<SignalServerConfig> };
}

function parseValue(field: ConfigField, raw: string, source: string): number | string | boolean {
  const kind = typeof signalServerConfigSpec[field].default;
  if (kind === 'number') {
    const value = Number(raw.replaceAll('_', ''));
    if (raw.trim() === '' || !Number.isFinite(value)) invalid(source, raw, 'a number');
    return value;
  }
  if (kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    invalid(source, raw, 'true or false');
  }
  return raw;
}

function invalid(field: string, value: string, expected: string): never {
  throw new SignalServerError('invalid-config', { field, value, expected });
}

export function helpText(): string {
  const rows = configFields.map((field) => {
    const spec = signalServerConfigSpec[field];
    const value = typeof spec.default === 'boolean' ? '' : ' <value>';
    return `  ${`${flagName(field)}${value}`.padEnd(30)} ${spec.help}\n  ${''.padEnd(30)} default: ${JSON.stringify(spec.default)}, env: ${envName(field)}`;
  });
  return [
    'Usage: peerlane-signal [options]',
    '',
    'Peerlane signal server: PeerJS-compatible WebRTC signaling plus swarms, on uWebSockets.js.',
    'Serves GET /healthz, GET /metrics, GET <path> (info), GET <path><key>/id and WebSocket <path>peerjs.',
    '',
    'Options (flags override environment variables):',
    ...rows,
    `  ${'--help'.padEnd(30)} Show this text`,
    '',
  ].join('\n');
}
