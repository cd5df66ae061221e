// Which network and country a client address is in: the ASN from --geoip-asn (a GeoLite2-ASN-style mmdb) or the
// embedded CSV table, the country from --geoip-country (GeoLite2-Country or ip-location-db style mmdb), each
// loaded in the background after start. A missing or bad database is one log line; its look-ups answer null.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader } from 'maxmind';
import type { SignalServerConfig } from '../config';
import { type AsnTable, loadAsnTable } from './asn-table';
import { parseIp } from './ip-address';

export interface GeoInfo {
  /** Autonomous system number; null when unknown (no database, private address, not listed). */
  asn: number | null;
  /** ISO 3166 alpha-2 country code, upper case; null when unknown. */
  country: string | null;
}

export interface GeoLookup {
  lookup(ip: string): GeoInfo;
  /** Resolves once every database finished loading (or failed, logged): for tests and the start-up log. */
  readonly ready: Promise<void>;
}

/** The embedded defaults: packages of the registry, optional dependencies (see geo/README.md). */
const EMBEDDED = {
  asn: { module: '@ip-location-db/asn', files: ['asn-ipv4-num.csv', 'asn-ipv6-num.csv'] },
  country: { module: '@ip-location-db/geo-whois-asn-country-mmdb', files: ['geo-whois-asn-country.mmdb'] },
} as const;

/** '' = the embedded default, 'off' = none, anything else a file. */
export type GeoipSetting = SignalServerConfig['geoipAsn'];

/** What is used of maxmind's Reader (records are read defensively: the operator's file may hold anything). */
interface MmdbReader {
  get(ip: string): unknown;
  metadata: { databaseType: string };
}

type AsnSource = { kind: 'mmdb'; reader: MmdbReader } | { kind: 'table'; table: AsnTable };
interface AsnRecord {
  autonomous_system_number?: unknown;
}
interface CountryRecord {
  country?: { iso_code?: unknown };
  country_code?: unknown;
}

export function createGeoLookup(
  config: Pick<SignalServerConfig, 'geoipAsn' | 'geoipCountry'>,
  log: (line: string) => void,
): GeoLookup {
  let asn: AsnSource | null = null;
  let country: MmdbReader | null = null;
  const asnLoad = openAsn(config.geoipAsn, log).then((source) => {
    asn = source;
  });
  const countryLoad = openCountry(config.geoipCountry, log).then((reader) => {
    country = reader;
  });
  return {
    ready: Promise.all([asnLoad, countryLoad]).then(() => {}),
    lookup(ip) {
      const address = parseIp(ip);
      if (!address) return { asn: null, country: null };
      // maxmind answers null for ::ffff:a.b.c.d in an IPv4 database: look IPv4 up as dotted text.
      const text = address.version === 4 ? ipv4Text(address.value) : ip.replace(/\/\d+$/, '');
      return { asn: asnOf(asn, address, text), country: countryOf(country, text) };
    },
  };
}

function asnOf(source: AsnSource | null, address: NonNullable<ReturnType<typeof parseIp>>, text: string) {
  if (!source) return null;
  if (source.kind === 'table')
    return address.version === 4
      ? source.table.lookupV4(address.value)
      : source.table.lookupV6(address.value);
  const value = (safeGet(source.reader, text) as AsnRecord | null)?.autonomous_system_number;
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

function countryOf(reader: MmdbReader | null, text: string): string | null {
  const record = reader && (safeGet(reader, text) as CountryRecord | null);
  const code = record?.country?.iso_code ?? record?.country_code;
  return typeof code === 'string' && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
}

/** maxmind throws on an IPv6 address in an IPv4-only database: that is a miss, not a failure. */
function safeGet(reader: MmdbReader, text: string): unknown {
  try {
    return reader.get(text);
  } catch {
    return null;
  }
}

function ipv4Text(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

async function openAsn(setting: GeoipSetting, log: (line: string) => void): Promise<AsnSource | null> {
  if (setting === 'off') return null;
  if (setting !== '') {
    const reader = await openMmdb(setting, 'ASN', '--geoip-asn', log);
    return reader && { kind: 'mmdb', reader };
  }
  const files = embeddedFiles('asn', log);
  if (!files) return null;
  const started = performance.now();
  try {
    const table = await loadAsnTable(files[0] as string, files[1] as string);
    const { ipv4, ipv6, bytes } = table.size;
    log(
      `geoip: ASN table ${EMBEDDED.asn.module} loaded in ${Math.round(performance.now() - started)} ms ` +
        `(${ipv4} IPv4 and ${ipv6} IPv6 ranges, ${(bytes / 1e6).toFixed(1)} MB)`,
    );
    return { kind: 'table', table };
  } catch (error) {
    log(`geoip: ASN table ${files[0]} unreadable (${(error as Error).message}): matching by ASN is off`);
    return null;
  }
}

async function openCountry(setting: GeoipSetting, log: (line: string) => void): Promise<MmdbReader | null> {
  if (setting === 'off') return null;
  const file = setting === '' ? embeddedFiles('country', log)?.[0] : setting;
  return file ? openMmdb(file, 'country', setting === '' ? 'embedded' : '--geoip-country', log) : null;
}

async function openMmdb(
  file: string,
  what: string,
  source: string,
  log: (line: string) => void,
): Promise<MmdbReader | null> {
  try {
    const reader: MmdbReader = new Reader(await readFile(file));
    log(`geoip: ${what} database ${file} (${reader.metadata.databaseType}) loaded`);
    return reader;
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    log(`geoip: ${what} database ${file} (${source}) unreadable: ${reason}; matching by ${what} is off`);
    return null;
  }
}

/** The embedded package's files, or null (logged) when it is not installed (npm ci --omit=optional). */
function embeddedFiles(kind: keyof typeof EMBEDDED, log: (line: string) => void): string[] | null {
  const { module, files } = EMBEDDED[kind];
  try {
    const dir = dirname(createRequire(import.meta.url).resolve(`${module}/package.json`));
    return files.map((file) => join(dir, file));
  } catch {
    log(
      `geoip: ${module} is not installed (an optional dependency): matching by ${kind} is off unless --geoip-${kind} names a file`,
    );
    return null;
  }
}
