// The lab's MaxMind DB writer, read back with the maintained `maxmind` reader the signal server uses:
// hits in every network, misses around them, all three record sizes, and the lab's own GeoIP files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AsnResponse, type CountryResponse, open, Reader } from 'maxmind';
import { afterAll, describe, expect, it } from 'vitest';
import { planLab } from '../../lab/address-plan';
import { writeGeoipFiles } from '../../lab/geoip-files';
import { resolveLabConfig } from '../../lab/lab-config';
import { type MmdbNetwork, writeMmdb } from '../../lab/mmdb-writer';

// The reader's type parameter only names GeoIP shapes; these tests compare what it returns at run time.
const reader = (networks: MmdbNetwork[], recordSize?: 24 | 28 | 32) =>
  new Reader<AsnResponse>(
    Buffer.from(writeMmdb({ databaseType: 'Test', description: 'test', networks, recordSize })),
  );

describe('writeMmdb', () => {
  it('finds each network record with its prefix length, and misses addresses outside them', () => {
    const db = reader([
      { cidr: '100.65.0.0/16', record: { asn: 64496, name: 'one' } },
      { cidr: '100.66.0.0/16', record: { asn: 64497, name: 'two' } },
      { cidr: '203.0.113.128/25', record: { asn: 64498, name: 'three' } },
      { cidr: '8.8.8.8/32', record: { asn: 15169, name: 'host' } },
      { cidr: '224.0.0.0/3', record: { asn: 1, name: 'top eighth' } },
    ]);
    expect(db.getWithPrefixLength('100.65.0.10')).toEqual([{ asn: 64496, name: 'one' }, 16]);
    expect(db.get('100.65.255.255')).toEqual({ asn: 64496, name: 'one' });
    expect(db.get('100.66.3.4')).toEqual({ asn: 64497, name: 'two' });
    expect(db.getWithPrefixLength('203.0.113.200')).toEqual([{ asn: 64498, name: 'three' }, 25]);
    expect(db.get('8.8.8.8')).toEqual({ asn: 15169, name: 'host' });
    expect(db.get('230.1.2.3')).toEqual({ asn: 1, name: 'top eighth' });
    for (const miss of [
      '100.64.3.2',
      '100.67.0.1',
      '203.0.113.127',
      '8.8.8.9',
      '8.8.8.7',
      '0.0.0.0',
      '127.0.0.1',
      '223.255.255.255',
    ])
      expect(db.get(miss), miss).toBeNull();
    expect(db.metadata).toMatchObject({ ipVersion: 4, databaseType: 'Test', binaryFormatMajorVersion: 2 });
  });

  it('encodes nested maps, arrays, booleans, doubles, big integers and long strings', () => {
    const record = {
      country: { iso_code: 'DE', names: { en: 'Germany' } },
      list: [1, 'two', true, false, 2.5],
      big: 4_000_000_000,
      text: 'x'.repeat(300), // past the 29- and 285-byte size forms
    };
    expect(reader([{ cidr: '10.0.0.0/8', record }]).get('10.1.2.3')).toEqual(record);
  });

  it('reads back the same with 24-, 28- and 32-bit records (the smallest that fits by default)', () => {
    const networks = Array.from({ length: 300 }, (_, i) => ({
      cidr: `${1 + (i % 200)}.${Math.floor(i / 200) * 100}.0.0/16`,
      record: { n: i },
    }));
    const write = (recordSize?: 24 | 28 | 32) => reader(networks, recordSize);
    expect(write().metadata.recordSize).toBe(24);
    for (const size of [24, 28, 32] as const) {
      const db = write(size);
      expect(db.metadata.recordSize).toBe(size);
      for (const [i, network] of networks.entries()) {
        const [a, b] = network.cidr.split('.');
        expect(db.get(`${a}.${b}.7.7`)).toEqual({ n: i });
      }
      expect(db.get('201.0.0.1')).toBeNull();
    }
  });

  it('refuses overlapping networks and malformed prefixes', () => {
    const write = (cidrs: string[]) => () =>
      writeMmdb({
        databaseType: 'T',
        description: 't',
        networks: cidrs.map((cidr) => ({ cidr, record: 'x' })),
      });
    expect(write(['10.0.0.0/8', '10.1.0.0/16'])).toThrow(/overlaps/);
    expect(write(['10.1.0.0/16', '10.0.0.0/8'])).toThrow(/overlaps/);
    expect(write(['10.0.0.1/8'])).toThrow(/host bits/);
    expect(write(['10.0.0.0/33'])).toThrow(/not an IPv4 network/);
    expect(write(['::1/128'])).toThrow(/not an IPv4 network/);
  });
});

describe('the lab GeoIP files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerlane-geoip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('map every ISP block to its ASN and country, and miss home subnets and the services link', async () => {
    const plan = planLab(resolveLabConfig({ isps: 3, viewers: 9, natShare: 1 / 3 }));
    const files = writeGeoipFiles(plan.isps, dir);
    const asn = await open<{ autonomous_system_number: number; autonomous_system_organization: string }>(
      files.asn,
    );
    const country = await open<CountryResponse>(files.country);
    for (const viewer of plan.viewers) {
      expect(asn.get(viewer.address)).toEqual({
        autonomous_system_number: viewer.isp.asn,
        autonomous_system_organization: viewer.isp.organization,
      });
      expect(country.get(viewer.address)?.country?.iso_code).toBe(viewer.isp.country);
      if (viewer.nat) expect(asn.get(viewer.nat.privateAddress)).toBeNull();
    }
    expect(plan.isps.map((isp) => [isp.asn, isp.country])).toEqual([
      [64496, 'DE'],
      [64497, 'DE'],
      [64498, 'FR'],
    ]);
    expect(asn.get('198.51.100.1')).toBeNull();
    expect(country.get('100.68.0.10')).toBeNull(); // a fourth ISP's block: not in a 3-ISP lab
  });
});
