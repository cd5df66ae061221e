// The labels of the QoE metrics stay few: the top keys by sessions (Space-Saving, decaying), an allow-list,
// a cap on label sets; a swarm or ASN that drops out of the top takes its series along. And the GeoIP seam:
// what describeClient says of an address becomes the asn and country labels.
import { describe, expect, it } from 'vitest';
import { QoeLabeller, type QoeLabels } from '../../signal-server/qoe/qoe-labels';
import { TopKeys } from '../../signal-server/qoe/top-keys';
import { startSignalServer } from '../../signal-server/server';
import { fetchMetrics, total } from '../support/prom-text';
import { qoeMessage } from '../support/qoe-report';
import { TestClient } from './signal-test-client';

const HOUR = 3_600_000;

describe('TopKeys', () => {
  it('keeps the n most frequent keys; a newcomer must clearly beat the weakest, which is demoted', () => {
    const demoted: string[] = [];
    const top = new TopKeys(2, HOUR, (key) => demoted.push(key), 0);
    for (const key of ['a', 'a', 'a', 'b', 'c']) top.hit(key, 0);
    expect([top.has('a'), top.has('b'), top.has('c')]).toEqual([true, true, false]);
    top.hit('c', 0);
    // c: 2 against b: 1 is not yet clearly more (1.25 × 1 + 1).
    expect(top.has('c')).toBe(false);
    top.hit('c', 0);
    expect([top.has('b'), top.has('c')]).toEqual([false, true]);
    expect(demoted).toEqual(['b']);
  });

  it('forgets yesterday: counts halve every half-life, so a new favourite takes over', () => {
    const top = new TopKeys(1, HOUR, () => {}, 0);
    for (let n = 0; n < 64; n++) top.hit('old', 0);
    const newcomer = (hour: number) => {
      for (const _ of [1, 2]) top.hit('new', hour * HOUR);
      return top.has('new');
    };
    // Two sessions an hour: not enough against 64 at first, enough once those have halved a few times.
    expect(newcomer(1)).toBe(false);
    expect([2, 3, 4, 5, 6].map(newcomer)).toContain(true);
    expect(top.has('old')).toBe(false);
  });

  it('stays within its counters with many distinct keys (Space-Saving)', () => {
    const top = new TopKeys(3, HOUR, () => {}, 0);
    for (let n = 0; n < 10_000; n++) {
      top.hit(`rare-${n}`, 0);
      if (n % 3 === 0) top.hit('popular', 0);
    }
    expect(top.has('popular')).toBe(true);
    expect((top as unknown as { counts: Map<string, number> }).counts.size).toBeLessThanOrEqual(64);
  });
});

describe('QoeLabeller', () => {
  const config = { qoeSwarms: '', qoeTopSwarms: 1, qoeTopAsns: 1, qoeMaxLabelSets: 3 };

  it('caps label sets, and forgets every set of a swarm that left the top', () => {
    const forgotten: QoeLabels[] = [];
    const labeller = new QoeLabeller(config, (labels) => forgotten.push(labels), 0);
    labeller.swarmSeen('s1', 0);
    labeller.clientSeen({ asn: 64500, country: 'de' }, 0);
    expect(labeller.labels('s1', { asn: 64500, country: 'de' })).toEqual({
      swarm: 's1',
      asn: '64500',
      country: 'DE',
    });
    expect(labeller.labels('s1', { asn: 64501, country: 'FR' })).toEqual({
      swarm: 's1',
      asn: 'other',
      country: 'FR',
    });
    expect(labeller.labels(undefined, { country: 'Narnia' })).toEqual({
      swarm: 'unknown',
      asn: 'unknown',
      country: 'unknown',
    });
    // A fourth set would pass the cap.
    expect(labeller.labels('s1', { country: 'IT' })).toEqual({
      swarm: 'other',
      asn: 'other',
      country: 'other',
    });
    for (let n = 0; n < 3; n++) labeller.swarmSeen('s2', 0);
    expect(forgotten.map((labels) => labels.swarm)).toEqual(['s1', 's1']);
    expect(labeller.labels('s1', { asn: 64500, country: 'DE' }).swarm).toBe('other');
    expect(labeller.labels('s2', { asn: 64500, country: 'DE' }).swarm).toBe('s2');
  });
});

describe('the GeoIP lookup (shared with peer matching)', () => {
  it('labels a session with the ASN and country its address has', async () => {
    const asked: string[] = [];
    const server = await startSignalServer(
      { port: 0, host: '127.0.0.1' },
      {
        geo: {
          lookup: (ip) => {
            asked.push(ip);
            return { asn: 64512, country: 'nl' };
          },
          ready: Promise.resolve(),
        },
      },
    );
    try {
      const viewer = await TestClient.open(server.port, 'viewer1');
      viewer.send(qoeMessage());
      await viewer.expect('QOE-SESSION');
      const samples = await fetchMetrics(server.port);
      expect(total(samples, 'peerlane_qoe_sessions_total', { asn: '64512', country: 'NL' })).toBe(1);
      expect(asked).toEqual(['127.0.0.1']);
      viewer.socket.terminate();
    } finally {
      await server.close();
    }
  });
});
