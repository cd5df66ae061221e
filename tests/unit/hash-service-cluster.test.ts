// The hash service on two signal processes sharing one real redis-server: however many viewers on both processes
// vote for and ask about the same segments at the same moment, the origin sees each segment fetched once (counted
// by the service's User-Agent), and every asker, on either process, hears the hash with the origin's strength.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterFetchClaims } from '../../signal-server/cluster/cluster-fetch-claims';
import { clusterKeys, withClusterScripts } from '../../signal-server/cluster/redis-scripts';
import { resolveConfig } from '../../signal-server/config';
import type { SignalProcess } from '../support/signal-process';
import { useCluster } from './signal-cluster-fixture';
import { expectPastNews, metric } from './signal-cluster-support';
import type { TestClient } from './signal-test-client';

const SEGMENTS = 12;
const bytesOf = (n: number) => new Uint8Array(2_000 + n * 100).fill(n);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The origin: `/live/seg-<n>.m4s`, each request counted by path when it comes from the hash service. */
const fetchedByService = new Map<string, number>();
let origin: Server;
let originPort: number;
beforeAll(async () => {
  origin = createServer((request, response) => {
    const path = request.url ?? '';
    if (request.headers['user-agent']?.startsWith('peerlane-hash-service/'))
      fetchedByService.set(path, (fetchedByService.get(path) ?? 0) + 1);
    const n = Number(/^\/live\/seg-(\d+)\.m4s$/.exec(path)?.[1] ?? Number.NaN);
    if (!Number.isInteger(n)) return response.writeHead(404).end();
    // A little latency, so fetches overlap with the votes and queries still arriving.
    setTimeout(() => response.writeHead(200, { 'cache-control': 'public, max-age=60' }).end(bytesOf(n)), 50);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
});
afterAll(async () => {
  origin.closeAllConnections();
  await new Promise((resolve) => origin.close(resolve));
});

const cluster = useCluster(['--hash-origins', 'http://localhost:*', '--hash-quorum', '2']);

async function viewer(server: SignalProcess, id: string, swarm: string): Promise<TestClient> {
  const client = await cluster.open(server, id);
  client.send({ type: 'SWARM-JOIN', payload: { swarm } });
  await expectPastNews(client, 'SWARM-PEERS');
  return client;
}

/** Every hash `client` heard for `segments` (answers and later notices), until it has them all. */
async function hashesHeard(client: TestClient, swarm: string, segments: string[]) {
  client.send({ type: 'SEGMENT-HASH-QUERY', payload: { swarm, segments } });
  const heard = new Map<string, { size: number; sha256: string; source: string }>();
  while (heard.size < segments.length) {
    const { payload } = await expectPastNews(client, 'SEGMENT-HASHES');
    for (const { segment, size, sha256, source } of payload.hashes)
      heard.set(segment, { size, sha256, source });
  }
  return heard;
}

describe('the hash service in cluster mode', () => {
  it('fetches each segment once for the whole cluster, and every asker on either process hears the origin hash', async () => {
    const [a, b] = cluster.servers();
    const swarm = `http://localhost:${originPort}/live/index.m3u8`;
    const viewers = await Promise.all([
      viewer(a, 'a1', swarm),
      viewer(a, 'a2', swarm),
      viewer(b, 'b1', swarm),
      viewer(b, 'b2', swarm),
    ]);
    const [askerA, askerB] = await Promise.all([viewer(a, 'ask-a', swarm), viewer(b, 'ask-b', swarm)]);
    const segments = Array.from(
      { length: SEGMENTS },
      (_, n) => `http://localhost:${originPort}/live/seg-${n}.m4s`,
    );
    const heard = [hashesHeard(askerA, swarm, segments), hashesHeard(askerB, swarm, segments)];
    // Every viewer votes every segment at once (as viewers who all fetched it from the CDN would).
    for (const [n, segment] of segments.entries())
      for (const client of viewers)
        client.send({
          type: 'SEGMENT-HASH',
          payload: { swarm, segment, size: bytesOf(n).byteLength, sha256: sha256(bytesOf(n)) },
        });
    for (const hashes of await Promise.all(heard))
      expect([...hashes.entries()].sort()).toEqual(
        segments
          .map((segment, n) => [
            segment,
            { size: bytesOf(n).byteLength, sha256: sha256(bytesOf(n)), source: 'origin' },
          ])
          .sort(),
      );
    expect(Object.fromEntries(fetchedByService)).toEqual(
      Object.fromEntries(segments.map((_, n) => [`/live/seg-${n}.m4s`, 1])),
    );
    const fetched = await Promise.all(
      [a, b].map((server) =>
        metric(server.port, 'peerlane_signal_hash_service_fetches_total', '{outcome="fetched"}'),
      ),
    );
    expect(
      fetched.reduce((sum, count) => sum + count, 0),
      'fetches, both processes together',
    ).toBe(SEGMENTS);
  });
});

describe('fetch claims in Redis', () => {
  let connections: Redis[] = [];
  afterAll(() => {
    for (const connection of connections) connection.disconnect();
  });

  it('let exactly one of many simultaneous claims from two processes fetch, and tell every swarm that asked', async () => {
    connections = [0, 1].map(() => new Redis(cluster.redis().url));
    const config = resolveConfig({});
    const claims = connections.map(
      (redis, node) =>
        new ClusterFetchClaims({
          redis: withClusterScripts(redis),
          keys: clusterKeys('claims-test'),
          node: `node-${node}`,
          config,
          telemetry: { redisError: () => {} },
        }),
    );
    const segment = 'http://localhost:1/{tagged}/seg.m4s';
    const found = await Promise.all(
      Array.from({ length: 40 }, (_, n) => claims[n % 2]?.claim(segment, `swarm-${n % 3}`)),
    );
    expect(found.filter((claim) => claim?.state === 'claimed')).toHaveLength(1);
    expect(found.filter((claim) => claim?.state === 'pending')).toHaveLength(39);
    const told = await claims[0]?.settle(segment, { state: 'hashed', size: 9, sha256: 'e'.repeat(64) });
    expect(told?.sort()).toEqual(['swarm-0', 'swarm-1', 'swarm-2']);
    expect(await claims[1]?.claim(segment, 'swarm-4')).toEqual({
      state: 'hashed',
      size: 9,
      sha256: 'e'.repeat(64),
    });
  });
});
