// GeoIP look-ups for matching: the operator's mmdb files (GeoLite2-ASN / -Country style), the embedded ASN table
// (CSV ranges in typed arrays), IPv4-mapped and /64 addresses, and a missing or bad database: one clear log line,
// look-ups answer unknown, nothing throws.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMmdb } from '../../lab/mmdb-writer';
import { loadAsnTable } from '../../signal-server/geo/asn-table';
import { createGeoLookup } from '../../signal-server/geo/geo-lookup';
import { parseIp } from '../../signal-server/geo/ip-address';
import { startSignalServer } from '../../signal-server/server';
import { waitUntil } from '../support/wait-until';
import { TestClient } from './signal-test-client';

const dir = mkdtempSync(join(tmpdir(), 'peerlane-geo-test-'));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const asnMmdb = file(
  'asn.mmdb',
  writeMmdb({
    databaseType: 'Test-ASN',
    description: 'test',
    networks: [
      {
        cidr: '100.65.0.0/16',
        record: { autonomous_system_number: 64496, autonomous_system_organization: 'A' },
      },
      {
        cidr: '100.66.0.0/16',
        record: { autonomous_system_number: 64497, autonomous_system_organization: 'B' },
      },
    ],
  }),
);
const countryMmdb = file(
  'country.mmdb',
  writeMmdb({
    databaseType: 'Test-Country',
    description: 'test',
    networks: [
      { cidr: '100.65.0.0/16', record: { country: { iso_code: 'DE', names: { en: 'Germany' } } } },
      // ip-location-db's own record shape.
      { cidr: '100.66.0.0/16', record: { country_code: 'fr' } },
    ],
  }),
);

async function lookupWith(geoipAsn: string, geoipCountry: string) {
  const logs: string[] = [];
  const geo = createGeoLookup({ geoipAsn, geoipCountry }, (line) => logs.push(line));
  await geo.ready;
  return { geo, logs };
}

describe('GeoIP look-up', () => {
  it('reads ASN and country from mmdb files, IPv4-mapped IPv6 included', async () => {
    const { geo, logs } = await lookupWith(asnMmdb, countryMmdb);
    expect(geo.lookup('100.65.3.4')).toEqual({ asn: 64496, country: 'DE' });
    // maxmind itself answers null for ::ffff:a.b.c.d in an IPv4 database; the look-up strips the prefix.
    expect(geo.lookup('::ffff:100.66.0.10')).toEqual({ asn: 64497, country: 'FR' });
    expect(geo.lookup('100.64.2.2')).toEqual({ asn: null, country: null });
    expect(geo.lookup('2001:db8:1:2::/64')).toEqual({ asn: null, country: null });
    expect(geo.lookup('not an address')).toEqual({ asn: null, country: null });
    expect(logs.filter((line) => line.includes('loaded'))).toHaveLength(2);
  });

  it('says in one line which file is missing or unreadable, and answers unknown', async () => {
    const garbage = file('garbage.mmdb', 'this is not a MaxMind database');
    const { geo, logs } = await lookupWith(join(dir, 'missing.mmdb'), garbage);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(
      /ASN database .*missing\.mmdb \(--geoip-asn\) unreadable: no such file; matching by ASN is off/,
    );
    expect(logs[1]).toMatch(
      /country database .*garbage\.mmdb \(--geoip-country\) unreadable: .+; matching by country is off/,
    );
    expect(geo.lookup('100.65.3.4')).toEqual({ asn: null, country: null });
  });

  it('turns a database off with "off", without a word', async () => {
    const { geo, logs } = await lookupWith('off', 'off');
    expect(logs).toEqual([]);
    expect(geo.lookup('100.65.3.4')).toEqual({ asn: null, country: null });
  });
});

describe('embedded ASN table', () => {
  const v4 = file(
    'v4.csv',
    [
      '16777216,16777471,13335,"Cloudflare, Inc."',
      '16778240,16779263,38803,Gtelecom',
      '3232235520,3232235775,0,',
    ].join('\n'),
  );
  // 2001:db8::/32 → AS 64500; 2001:db9:0:1::/64 alone → AS 64501.
  const v6 = file(
    'v6.csv',
    '42540766411282592856903984951653826560,42540766490510755371168322545197776895,64500,Doc\r\n' +
      '42540766490510755371168322545197776896,42540766490510755371168322545197776896,0,x\r\n' +
      '42540766490510755389615066618907328512,42540766490510755408061810692616880127,64501,One /64\r\n',
  );

  it('finds the range of an address by bisection, IPv4 and IPv6 (by /64), and misses outside', async () => {
    const table = await loadAsnTable(v4, v6);
    const ip = (text: string) => parseIp(text);
    const lookup = (text: string) => {
      const parsed = ip(text);
      if (!parsed) return undefined;
      return parsed.version === 4 ? table.lookupV4(parsed.value) : table.lookupV6(parsed.value);
    };
    expect(lookup('1.0.0.7')).toBe(13335);
    expect(lookup('1.0.4.255')).toBe(38803);
    expect(lookup('1.0.3.0')).toBeNull();
    // ASN 0 (not routed) is unknown.
    expect(lookup('192.168.0.1')).toBeNull();
    expect(lookup('2001:db8:ffff::1')).toBe(64500);
    expect(lookup('2001:db9:0:1::/64')).toBe(64501);
    expect(lookup('2001:db9:0:2::1')).toBeNull();
    expect(table.size).toMatchObject({ ipv4: 3, ipv6: 3 });
  });

  it('refuses a malformed file, naming the line', async () => {
    const bad = file('bad.csv', '16777216,16777471,13335,x\nnot,a,range\n');
    await expect(loadAsnTable(bad, v6)).rejects.toThrow(/line 2: .*expected "start,end,asn,…"/);
  });

  it('parses addresses as the look-ups need them', () => {
    expect(parseIp('1.2.3.4')).toEqual({ version: 4, value: 0x01020304 });
    expect(parseIp('::FFFF:1.2.3.4')).toEqual({ version: 4, value: 0x01020304 });
    expect(parseIp('2001:db8::1')).toEqual({ version: 6, value: (0x20010db8n << 96n) | 1n });
    expect(parseIp('64:ff9b::1.2.3.4')).toEqual({ version: 6, value: (0x64ff9bn << 96n) | 0x01020304n });
    for (const bad of ['1.2.3', '1.2.3.256', '2001:db8::1::2', '1:2:3:4:5:6:7', 'fe80::g'])
      expect(parseIp(bad)).toBeNull();
  });
});

describe('GeoIP in the running server', () => {
  it('runs on with a missing database (one log line) and matches by the other; --trust-proxy picks the address', async () => {
    const logs: string[] = [];
    const server = await startSignalServer(
      {
        port: 0,
        host: '127.0.0.1',
        trustProxy: 1,
        geoipAsn: join(dir, 'nowhere.mmdb'),
        geoipCountry: countryMmdb,
      },
      { log: (line) => logs.push(line) },
    );
    const clients: TestClient[] = [];
    // The databases load in the background after start: until then every network is unknown.
    await waitUntil(
      'the country database loaded',
      async () => logs.join('\n'),
      (text) => text.includes('loaded'),
    );
    try {
      const open = async (id: string, forwardedFor: string) => {
        const client = await TestClient.open(server.port, id, {
          headers: { 'X-Forwarded-For': forwardedFor },
        });
        clients.push(client);
        client.send({ type: 'SWARM-JOIN', payload: { swarm: 's' } });
        return client;
      };
      await (await open('de', '100.65.0.10')).expect('SWARM-PEERS');
      await (await open('fr', '100.66.0.10')).expect('SWARM-PEERS');
      // The client wrote the left entry; only the right one, the proxy's, counts: 100.65 is DE like `de`.
      const joiner = await open('joiner', '100.66.0.99, 100.65.0.11');
      const { payload } = await joiner.expect('SWARM-PEERS');
      expect(payload).toEqual({ swarm: 's', peers: ['de', 'fr'], networks: ['country', 'far'] });
      expect(logs.filter((line) => line.includes('nowhere.mmdb'))).toEqual([
        expect.stringMatching(/ASN database .*nowhere\.mmdb \(--geoip-asn\) unreadable: no such file/),
      ]);
    } finally {
      for (const client of clients) client.socket.terminate();
      await server.close();
    }
  });
});
