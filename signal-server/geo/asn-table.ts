// The embedded ASN database: the registry ships it only as CSV ranges (@ip-location-db/asn: `start,end,asn,org`
// with addresses as decimal integers), so it is loaded into sorted typed arrays and searched by bisection.
// ~412k IPv4 and ~103k IPv6 ranges: about 7 MB of arrays (organisation names are not kept).
import { createReadStream } from 'node:fs';

/** IPv6 ranges are kept by their upper 64 bits: client-ip.ts counts IPv6 by /64, and no AS owns less. */
const HIGH_64 = 64n;

/** A growable column of one typed-array kind. */
class Column<Values extends Uint32Array | BigUint64Array> {
  length = 0;
  constructor(public values: Values) {}

  push(value: Values[number]): void {
    if (this.length === this.values.length) {
      const bigger = new (this.values.constructor as new (size: number) => Values)(this.length * 2);
      bigger.set(this.values as never);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  trimmed(): Values {
    return this.values.subarray(0, this.length) as Values;
  }
}

interface Ranges<Key extends number | bigint> {
  starts: ArrayLike<Key>;
  ends: ArrayLike<Key>;
  asns: Uint32Array;
}

export class AsnTable {
  constructor(
    private readonly v4: Ranges<number>,
    private readonly v6: Ranges<bigint>,
  ) {}

  get size(): { ipv4: number; ipv6: number; bytes: number } {
    const bytes = (ranges: Ranges<number> | Ranges<bigint>) =>
      (ranges.starts as Uint32Array).byteLength +
      (ranges.ends as Uint32Array).byteLength +
      ranges.asns.byteLength;
    return { ipv4: this.v4.asns.length, ipv6: this.v6.asns.length, bytes: bytes(this.v4) + bytes(this.v6) };
  }

  lookupV4(address: number): number | null {
    return find(this.v4, address);
  }

  lookupV6(address: bigint): number | null {
    return find(this.v6, address >> HIGH_64);
  }
}

/** The ASN of the last range starting at or before `key`, if it also ends at or after it; 0 (none) is null. */
function find<Key extends number | bigint>(ranges: Ranges<Key>, key: Key): number | null {
  let low = 0;
  let high = ranges.asns.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if ((ranges.starts[middle] as Key) <= key) low = middle + 1;
    else high = middle - 1;
  }
  if (high < 0 || (ranges.ends[high] as Key) < key) return null;
  return ranges.asns[high] || null;
}

/**
 * Reads `asn-ipv4-num.csv` and `asn-ipv6-num.csv` as streams (one chunk per event-loop turn: the server keeps
 * answering meanwhile). Throws on a line that is not `start,end,asn,…` with start ≤ end.
 */
export async function loadAsnTable(ipv4File: string, ipv6File: string): Promise<AsnTable> {
  const v4 = { starts: new Column(new Uint32Array(1 << 16)), ends: new Column(new Uint32Array(1 << 16)) };
  const v4Asns = new Column(new Uint32Array(1 << 16));
  await eachRange(ipv4File, (start, end, asn) => {
    const from = Number(start);
    const to = Number(end);
    if (!(from <= to && to <= 0xffffffff)) return false;
    v4.starts.push(from);
    v4.ends.push(to);
    v4Asns.push(asn);
    return true;
  });
  const v6 = {
    starts: new Column(new BigUint64Array(1 << 14)),
    ends: new Column(new BigUint64Array(1 << 14)),
  };
  const v6Asns = new Column(new Uint32Array(1 << 14));
  await eachRange(ipv6File, (start, end, asn) => {
    const from = BigInt(start) >> HIGH_64;
    const to = BigInt(end) >> HIGH_64;
    if (!(from <= to && to < 1n << HIGH_64)) return false;
    v6.starts.push(from);
    v6.ends.push(to);
    v6Asns.push(asn);
    return true;
  });
  return new AsnTable(
    sorted(v4.starts.trimmed(), v4.ends.trimmed(), v4Asns.trimmed()),
    sorted(v6.starts.trimmed(), v6.ends.trimmed(), v6Asns.trimmed()),
  );
}

/** The files come sorted by start; anything else is sorted here so bisection holds. */
function sorted<Values extends Uint32Array | BigUint64Array>(
  starts: Values,
  ends: Values,
  asns: Uint32Array,
) {
  let inOrder = true;
  for (let i = 1; i < starts.length && inOrder; i++) inOrder = (starts[i - 1] ?? 0) <= (starts[i] ?? 0);
  if (inOrder) return { starts, ends, asns };
  const order = [...starts.keys()].sort((a, b) => ((starts[a] ?? 0) < (starts[b] ?? 0) ? -1 : 1));
  const pick = <Column extends Uint32Array | BigUint64Array>(column: Column): Column => {
    const copy = column.slice() as Column;
    order.forEach((from, to) => {
      copy[to] = column[from] as Column[number];
    });
    return copy;
  };
  return { starts: pick(starts), ends: pick(ends), asns: pick(asns) };
}

/** Decimal digits gathered in a float before they go into a bigint (exact below 2^53). */
const DIGITS_PER_STEP = 15;
const STEP = 10n ** BigInt(DIGITS_PER_STEP);
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const ZERO = 0x30;

/**
 * Parses `start,end,asn,…` lines straight from the bytes: strings for half a million lines would grow the heap
 * by tens of MB that the process then keeps. Numbers of up to 15 digits stay floats; longer ones (IPv6) bigints.
 */
async function eachRange(
  file: string,
  add: (start: number | bigint, end: number | bigint, asn: number) => boolean,
): Promise<void> {
  const fields: Array<number | bigint> = [0, 0, 0];
  let field = 0;
  let digits = 0;
  let small = 0;
  let big: bigint | null = null;
  let line = 1;
  let skipping = false;
  const fail = (why: string): never => {
    throw new Error(`line ${line}: ${why} (expected "start,end,asn,…" with decimal numbers)`);
  };
  const endField = () => {
    if (digits === 0) fail(`field ${field + 1} is empty or not a number`);
    fields[field] = big === null ? small : big * 10n ** BigInt(digits % DIGITS_PER_STEP) + BigInt(small);
    field++;
    digits = 0;
    small = 0;
    big = null;
  };
  const endLine = () => {
    if (field < 3) endField();
    const [start, end, asn] = fields as [number | bigint, number | bigint, number];
    if (typeof asn !== 'number' || asn > 0xffffffff || !add(start, end, asn)) fail('bad range or ASN');
    field = 0;
    skipping = false;
    line++;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (byte === NEWLINE) {
        if (field > 0 || digits > 0) endLine();
      } else if (skipping || byte === 0x0d) {
        // The organisation name (quoted, may hold commas), or a CR: not kept.
      } else if (byte === COMMA) {
        endField();
        skipping = field === 3;
      } else if (byte >= ZERO && byte <= ZERO + 9) {
        small = small * 10 + (byte - ZERO);
        digits++;
        if (digits % DIGITS_PER_STEP === 0) {
          big = (big ?? 0n) * STEP + BigInt(small);
          small = 0;
        }
      } else fail(`unexpected character '${String.fromCharCode(byte)}'`);
    }
  }
  if (field > 0 || digits > 0) endLine();
}
