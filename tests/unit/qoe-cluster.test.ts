// QoE reports across a cluster (two signal processes on one real redis-server): nothing about them goes through
// Redis. Each process exports what its own sockets and beacons reported, a session's token (an HMAC under the
// shared --qoe-secret) is valid on every process, and a session that moves counts once: Prometheus's sum over the
// processes equals the sum of the reports. Without a shared secret a moved session's reports are refused.
import { describe, expect, it } from 'vitest';
import { fetchMetrics, type Sample, total } from '../support/prom-text';
import { qoeMessage } from '../support/qoe-report';
import type { SignalProcess } from '../support/signal-process';
import { useCluster } from './signal-cluster-fixture';
import type { TestClient } from './signal-test-client';

const SECRET = 'a-cluster-wide-qoe-secret-of-32-chars';

async function begin(client: TestClient, p2pBytes: number): Promise<string> {
  client.send(qoeMessage({ p2pBytes }));
  return (await client.expect('QOE-SESSION')).payload.session;
}

const beacon = (server: SignalProcess, body: unknown) =>
  fetch(`http://127.0.0.1:${server.port}/qoe`, { method: 'POST', body: JSON.stringify(body) });

/** Every process's /metrics, and their sum per metric and labels (what Prometheus's sum() shows). */
async function clusterTotal(servers: SignalProcess[], name: string, labels: Record<string, string> = {}) {
  const each = await Promise.all(
    servers.map(async (server) => total(await fetchMetrics(server.port), name, labels)),
  );
  return { each, sum: each.reduce((sum, value) => sum + value, 0) };
}

describe('QoE in cluster mode, one --qoe-secret', () => {
  const cluster = useCluster(['--qoe-secret', SECRET]);

  it('counts a session that moves between processes once, each process exporting its own part', async () => {
    const [one, two] = cluster.servers();
    const first = await cluster.open(one, 'viewer-a');
    const session = await begin(first, 3_000);
    first.socket.terminate();
    // Reconnected to the other process (a drain, a crash): same session, its next period.
    const moved = await cluster.open(two, 'viewer-a');
    moved.send(qoeMessage({ session, seq: 2, sessionSec: 20, startupSec: undefined, p2pBytes: 7_000 }));
    await moved.expectNothingPending();
    // Replayed on the process that already has it: a duplicate.
    moved.send(qoeMessage({ session, seq: 2, sessionSec: 20, startupSec: undefined, p2pBytes: 7_000 }));
    await moved.expectNothingPending();
    // The last report, by beacon, lands on the first process again.
    const last = { session, seq: 3, sessionSec: 25, periodSec: 5, playingSec: 4, startupSec: undefined };
    expect((await beacon(one, qoeMessage({ ...last, p2pBytes: 1_000, final: true }))).status).toBe(204);
    const other = await cluster.open(two, 'viewer-b');
    await begin(other, 500);

    const servers = [one, two];
    const sessions = await clusterTotal(servers, 'peerlane_qoe_sessions_total');
    expect(sessions).toEqual({ each: [1, 1], sum: 2 });
    const p2p = await clusterTotal(servers, 'peerlane_qoe_media_bytes_total', { source: 'p2p' });
    expect(p2p).toEqual({ each: [3_000 + 1_000, 7_000 + 500], sum: 11_500 });
    const startups = await clusterTotal(servers, 'peerlane_qoe_startup_seconds_count');
    expect(startups.sum).toBe(2);
    const duplicates = await clusterTotal(servers, 'peerlane_qoe_reports_total', { result: 'duplicate' });
    expect(duplicates.each).toEqual([0, 1]);
  });
});

describe('QoE in cluster mode without --qoe-secret', () => {
  const cluster = useCluster([]);

  it('refuses a moved session on the other process (bad-session) rather than count it twice', async () => {
    const [one, two] = cluster.servers();
    const first = await cluster.open(one, 'viewer-c');
    const session = await begin(first, 3_000);
    const moved = await cluster.open(two, 'viewer-c2');
    moved.send(qoeMessage({ session, seq: 2, sessionSec: 20, startupSec: undefined }));
    await moved.expectNothingPending();
    const samples: Sample[] = await fetchMetrics(two.port);
    expect(total(samples, 'peerlane_qoe_reports_total', { result: 'bad-session' })).toBe(1);
    expect(total(samples, 'peerlane_qoe_media_bytes_total')).toBe(0);
  });
});
