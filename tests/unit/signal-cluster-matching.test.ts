// Matching in cluster mode (two processes, one real Redis): a joiner's same-ASN candidates come from the
// swarm's per-network sets in Redis whichever process holds them, with the tiers read from their traits; client
// addresses from X-Forwarded-For behind --trust-proxy; GeoIP from the operator's mmdb files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeMmdb } from '../../lab/mmdb-writer';
import { useCluster } from './signal-cluster-fixture';
import { expectPastNews, metric } from './signal-cluster-support';

const dir = mkdtempSync(join(tmpdir(), 'peerlane-cluster-geo-'));
const asnFile = join(dir, 'asn.mmdb');
const countryFile = join(dir, 'country.mmdb');
const isps = [1, 2, 3].map((n) => ({
  block: `100.${64 + n}.0.0/16`,
  asn: 64495 + n,
  country: n < 3 ? 'DE' : 'FR',
}));
writeFileSync(
  asnFile,
  writeMmdb({
    databaseType: 'Test-ASN',
    description: 'test',
    networks: isps.map(({ block, asn }) => ({ cidr: block, record: { autonomous_system_number: asn } })),
  }),
);
writeFileSync(
  countryFile,
  writeMmdb({
    databaseType: 'Test-Country',
    description: 'test',
    networks: isps.map(({ block, country }) => ({ cidr: block, record: { country: { iso_code: country } } })),
  }),
);

const cluster = useCluster([
  '--trust-proxy',
  '1',
  '--geoip-asn',
  asnFile,
  '--geoip-country',
  countryFile,
  '--swarm-peers-limit',
  '3',
  '--swarm-announce-limit',
  '2',
]);
const join_ = (swarm: string) => ({ type: 'SWARM-JOIN', payload: { swarm } });
/** As a load balancer in front would say: the client's address is the last X-Forwarded-For entry. */
const from = (isp: number, host: number) => ({ headers: { 'X-Forwarded-For': `100.${64 + isp}.0.${host}` } });

describe('matching in cluster mode', () => {
  it('offers a joiner the same-ASN members of other processes first, among many others', async () => {
    const [a, b] = cluster.servers();
    const far = [];
    for (let i = 0; i < 30; i++) far.push(await cluster.open(i % 2 ? a : b, `far${i}`, from(3, 10 + i)));
    const alice = await cluster.open(a, 'alice', from(1, 10));
    const carol = await cluster.open(b, 'carol', from(1, 11));
    const dora = await cluster.open(b, 'dora', from(2, 10));
    for (const peer of [...far, alice, carol, dora]) {
      peer.send(join_('s'));
      await expectPastNews(peer, 'SWARM-PEERS');
    }
    const dave = await cluster.open(a, 'dave', from(1, 12));
    dave.send(join_('s'));
    const { payload } = await expectPastNews(dave, 'SWARM-PEERS');
    // 2 of 33 members share its ASN: a uniform sample of 5 would hold both ~2 % of the time.
    expect(payload.peers.slice(0, 2).sort()).toEqual(['alice', 'carol']);
    expect(payload.networks).toEqual(['isp', 'isp', 'country']);
    expect(payload.peers[2]).toBe('dora');
    // Told of the newcomer with its tier, on either process.
    for (const member of [alice, carol]) {
      let news = await member.expect('SWARM-JOINED');
      while (news.payload.peer !== 'dave') news = await member.expect('SWARM-JOINED');
      expect(news.payload).toEqual({ swarm: 's', peer: 'dave', network: 'isp' });
    }
    const offered = await metric(
      a.port,
      'peerlane_signal_pairs_total',
      '{stage="offered",network="same-asn"}',
    );
    expect(offered).toBeGreaterThanOrEqual(2);
  });
});
