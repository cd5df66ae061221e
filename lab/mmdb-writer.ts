// Writes MaxMind DB (mmdb, format 2.0) files for IPv4 networks: the GeoIP databases the lab hands the signal
// server. Spec: https://maxmind.github.io/MaxMind-DB/ — a binary trie on the address bits, 16 zero bytes, the
// data section, then the metadata map after the "\xAB\xCD\xEFMaxMind.com" marker.

/** An unsigned 16-bit integer (the spec types some metadata fields so); plain numbers are written as uint32. */
export class Uint16 {
  constructor(readonly value: number) {}
}

/** What a record may hold: the spec's string, uint16/32/64, double, boolean, map and array types. */
export type MmdbValue =
  | string
  | number
  | bigint
  | boolean
  | Uint16
  | MmdbValue[]
  | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** 'a.b.c.d/len', len 1..32; networks may not overlap. */
  cidr: string;
  record: MmdbValue;
}

export interface MmdbDatabase {
  /** Metadata `database_type`, e.g. 'Peerlane-Lab-ASN' ("GeoIP…" names are MaxMind's). */
  databaseType: string;
  /** Metadata `description.en`. */
  description: string;
  networks: MmdbNetwork[];
  /** Metadata `build_epoch`, seconds. Default: now. */
  buildEpoch?: number;
  /** Bits per tree record. Default: the smallest of 24, 28, 32 that addresses the tree and the data. */
  recordSize?: 24 | 28 | 32;
}

const METADATA_MARKER = [0xab, 0xcd, 0xef, ...new TextEncoder().encode('MaxMind.com')];
const SEPARATOR_BYTES = 16;
/** Largest payload (or map/array count) a control byte can state: 65,821 + 2^24 − 1. */
const MAX_FIELD_SIZE = 16_843_036;
/** Control-byte type numbers (types above 7 are "extended": 0 in the control byte, type − 7 in the next). */
const TYPE = {
  string: 2,
  double: 3,
  map: 7,
  uint16: 5,
  uint32: 6,
  uint64: 9,
  array: 11,
  boolean: 14,
} as const;

/** A child of a trie node: another node, a record (index into the distinct records), or nothing. */
type Child = { node: number } | { record: number } | null;

export function writeMmdb(database: MmdbDatabase): Uint8Array {
  const nodes: Array<[Child, Child]> = [[null, null]];
  const records: number[][] = [];
  const recordIndex = new Map<string, number>();
  for (const { cidr, record } of database.networks) {
    const encoded = encodeValue(record);
    const key = encoded.join(',');
    let index = recordIndex.get(key);
    if (index === undefined) {
      index = records.push(encoded) - 1;
      recordIndex.set(key, index);
    }
    insert(nodes, parseCidr(cidr), cidr, index);
  }

  const offsets: number[] = [];
  let dataBytes = 0;
  for (const record of records) {
    offsets.push(dataBytes);
    dataBytes += record.length;
  }
  const nodeCount = nodes.length;
  const fits = (bits: number) => nodeCount + SEPARATOR_BYTES + dataBytes < 2 ** bits;
  const recordSize = database.recordSize ?? [24, 28, 32].find(fits);
  if (recordSize === undefined || !fits(recordSize))
    throw new Error('mmdb: too much data for the record size');
  const value = (child: Child): number => {
    if (child === null) return nodeCount; // "no data for this address"
    if ('node' in child) return child.node;
    return nodeCount + SEPARATOR_BYTES + (offsets[child.record] ?? 0);
  };
  const tree = new Uint8Array((recordSize / 4) * nodeCount);
  for (const [index, [left, right]] of nodes.entries()) {
    writeNode(tree, index, recordSize, value(left), value(right));
  }

  const metadata = encodeValue({
    node_count: nodeCount,
    record_size: new Uint16(recordSize),
    ip_version: new Uint16(4),
    database_type: database.databaseType,
    languages: ['en'],
    binary_format_major_version: new Uint16(2),
    binary_format_minor_version: new Uint16(0),
    build_epoch: BigInt(database.buildEpoch ?? Math.floor(Date.now() / 1000)),
    description: { en: database.description },
  });
  return Uint8Array.from([
    ...tree,
    ...new Array(SEPARATOR_BYTES).fill(0),
    ...records.flat(),
    ...METADATA_MARKER,
    ...metadata,
  ]);
}

/** Walks the network's bits from the root, creating nodes, and hangs the record where its prefix ends. */
function insert(
  nodes: Array<[Child, Child]>,
  [address, length]: [number, number],
  cidr: string,
  record: number,
) {
  let node = 0;
  for (let depth = 0; depth < length; depth++) {
    const bit = (address >>> (31 - depth)) & 1;
    const pair = nodes[node] as [Child, Child];
    const child = pair[bit] ?? null;
    if (depth === length - 1) {
      if (child !== null) throw new Error(`mmdb: ${cidr} overlaps another network`);
      pair[bit] = { record };
    } else if (child === null) {
      pair[bit] = { node: nodes.push([null, null]) - 1 };
      node = nodes.length - 1;
    } else if ('node' in child) {
      node = child.node;
    } else {
      throw new Error(`mmdb: ${cidr} overlaps another network`);
    }
  }
}

function parseCidr(cidr: string): [number, number] {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const length = Number(match?.[5]);
  if (!match || octets.some((octet) => octet > 255) || length < 1 || length > 32)
    throw new Error(`mmdb: '${cidr}' is not an IPv4 network a.b.c.d/1..32`);
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  if (length < 32 && address % 2 ** (32 - length) !== 0)
    throw new Error(`mmdb: '${cidr}' has host bits set past /${length}`);
  return [address, length];
}

/** Big-endian records; with 28 bits the middle byte holds the top nibble of each record (left's first). */
function writeNode(tree: Uint8Array, index: number, recordSize: number, left: number, right: number): void {
  const at = index * (recordSize / 4);
  if (recordSize === 28) {
    tree.set(bigEndian(left & 0xffffff, 3), at);
    tree[at + 3] = ((left >>> 24) << 4) | (right >>> 24);
    tree.set(bigEndian(right & 0xffffff, 3), at + 4);
  } else {
    const width = recordSize / 8;
    tree.set(bigEndian(left, width), at);
    tree.set(bigEndian(right, width), at + width);
  }
}

function bigEndian(value: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => Math.floor(value / 256 ** (width - 1 - i)) % 256);
}

export function encodeValue(value: MmdbValue): number[] {
  if (typeof value === 'string') return field(TYPE.string, [...new TextEncoder().encode(value)]);
  if (typeof value === 'boolean') return control(TYPE.boolean, value ? 1 : 0);
  if (value instanceof Uint16) return field(TYPE.uint16, unsigned(BigInt(value.value), 2));
  if (typeof value === 'bigint') return field(TYPE.uint64, unsigned(value, 8));
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32)
      return field(TYPE.uint32, unsigned(BigInt(value), 4));
    const double = new DataView(new ArrayBuffer(8));
    double.setFloat64(0, value);
    return field(TYPE.double, [...new Uint8Array(double.buffer)]);
  }
  if (Array.isArray(value)) return [...control(TYPE.array, value.length), ...value.flatMap(encodeValue)];
  const entries = Object.entries(value);
  return [
    ...control(TYPE.map, entries.length),
    ...entries.flatMap(([key, item]) => [...encodeValue(key), ...encodeValue(item)]),
  ];
}

/** Integers are written in as few bytes as hold them (0 bytes for 0), at most `maxBytes`. */
function unsigned(value: bigint, maxBytes: number): number[] {
  if (value < 0n || value >= 1n << BigInt(8 * maxBytes))
    throw new Error(`mmdb: ${value} does not fit ${maxBytes} bytes`);
  const bytes: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return bytes;
}

function field(type: number, payload: number[]): number[] {
  return [...control(type, payload.length), ...payload];
}

/**
 * The control byte: type in the top 3 bits (or 0 and an extra type byte), size in the low 5 — below 29 as is,
 * else 29/30/31 and the size minus 29/285/65,821 in the next 1/2/3 bytes.
 */
function control(type: number, size: number): number[] {
  if (size > MAX_FIELD_SIZE)
    throw new Error(`mmdb: a field of ${size} exceeds the format's ${MAX_FIELD_SIZE}`);
  const extended = type > 7;
  const head = (extended ? 0 : type) << 5;
  const typeByte = extended ? [type - 7] : [];
  const [marker, width, base] =
    size < 29 ? [size, 0, 0] : size < 285 ? [29, 1, 29] : size < 65_821 ? [30, 2, 285] : [31, 3, 65_821];
  return [head | marker, ...typeByte, ...bigEndian(size - base, width)];
}
