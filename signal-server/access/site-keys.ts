// The keys sites connect with (`--key`, `--keys`, `--keys-file`), each with the secret that signs its join
// tokens when it has one. Read once at start; a bad file stops the server with a clear message.
import { readFileSync } from 'node:fs';
import type { SignalServerConfig } from '../config';
import { SignalServerError } from '../errors';

/** key → secret of its join tokens, or null for a key whose pages connect without one. */
export type SiteKeys = ReadonlyMap<string, string | null>;

const KEY = /^[A-Za-z0-9._~-]{1,64}$/;
/** 32 characters of a random secret: 192 bits in base64, beyond any guessing. */
const MIN_SECRET_LENGTH = 32;

type Source = Pick<SignalServerConfig, 'key' | 'keys' | 'keysFile'>;

/** --keys and --keys-file together; without either, just --key (default 'peerjs', as stock PeerJS). */
export function loadSiteKeys(config: Source, read = (path: string) => readFileSync(path, 'utf8')): SiteKeys {
  const keys = new Map<string, string | null>();
  for (const entry of config.keys.split(',')) {
    const [key = '', ...secret] = entry.trim().split(':');
    if (key) add(keys, key, secret.length > 0 ? secret.join(':') : null, 'keys');
  }
  if (config.keysFile) {
    let text: string;
    try {
      text = read(config.keysFile);
    } catch (error) {
      throw invalid('keysFile', config.keysFile, `a readable file (${(error as Error).message})`);
    }
    for (const [key, secret] of parseKeysFile(text)) add(keys, key, secret, config.keysFile);
    if (keys.size === 0) throw invalid('keysFile', config.keysFile, 'at least one key');
  }
  if (keys.size === 0) keys.set(config.key, null);
  return keys;
}

function parseKeysFile(text: string): [string, string | null][] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let entries: unknown;
    try {
      entries = JSON.parse(trimmed);
    } catch {
      throw invalid('keysFile', trimmed.slice(0, 40), 'valid JSON');
    }
    return (entries as unknown[]).map((entry) => {
      if (typeof entry === 'string') return [entry, null];
      const { key, secret } = (entry ?? {}) as { key?: unknown; secret?: unknown };
      if (typeof key !== 'string' || (secret !== undefined && typeof secret !== 'string'))
        throw invalid('keysFile', JSON.stringify(entry), '"key" or {"key": string, "secret"?: string}');
      return [key, secret ?? null];
    });
  }
  return trimmed
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [key = '', secret, ...rest] = line.split(/\s+/);
      if (rest.length > 0) throw invalid('keysFile', line, "'key' or 'key secret' on each line");
      return [key, secret ?? null];
    });
}

function add(keys: Map<string, string | null>, key: string, secret: string | null, field: string): void {
  if (!KEY.test(key)) throw invalid(field, key, 'a key of 1-64 letters, digits or . _ ~ -');
  if (secret !== null && secret.length < MIN_SECRET_LENGTH)
    throw invalid(field, `${key}:***`, `a secret of at least ${MIN_SECRET_LENGTH} characters`);
  keys.set(key, secret);
}

function invalid(field: string, value: string, expected: string): SignalServerError {
  return new SignalServerError('invalid-config', { field, value, expected });
}
