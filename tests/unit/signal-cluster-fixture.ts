// For the cluster tests: one redis-server and two signal processes in cluster mode per test file, started
// before its tests and stopped after them, plus clients that are closed after each test. Call in a file body.
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { SignalProcess } from '../support/signal-process';
import { type RedisProcess, startClusterProcess, startRedis } from './signal-cluster-support';
import { type ConnectOptions, TestClient } from './signal-test-client';

export interface ClusterFixture {
  redis(): RedisProcess;
  /** Stops Redis, and later starts it again on the same port (as empty as a restarted Redis without disk). */
  stopRedis(): Promise<void>;
  restartRedis(): Promise<RedisProcess>;
  /** The two signal processes. */
  servers(): [SignalProcess, SignalProcess];
  /** Connects and expects OPEN. */
  open(server: SignalProcess, id: string, options?: ConnectOptions): Promise<TestClient>;
  /** Connects without reading the first message (for refusals). */
  connect(server: SignalProcess, id: string, options?: ConnectOptions): Promise<TestClient>;
}

export function useCluster(args: string[]): ClusterFixture {
  let redis: RedisProcess | undefined;
  let servers: [SignalProcess, SignalProcess] | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    const url = redis.url;
    servers = (await Promise.all([startClusterProcess(url, args), startClusterProcess(url, args)])) as [
      SignalProcess,
      SignalProcess,
    ];
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.terminate();
  });
  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.stop()));
    await redis?.stop();
  });
  const track = (client: TestClient) => {
    clients.push(client);
    return client;
  };
  const required = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the cluster did not start (see beforeAll)');
    return value;
  };
  return {
    redis: () => required(redis),
    stopRedis: () => required(redis).stop(),
    restartRedis: async () => {
      redis = await startRedis(required(redis).port);
      return redis;
    },
    servers: () => required(servers),
    open: async (server, id, options) => track(await TestClient.open(server.port, id, options)),
    connect: async (server, id, options) => track(await TestClient.connect(server.port, id, options)),
  };
}
