// Cluster mode's pieces on their own: its config (REDIS_URL, bounds), the start-up failure an operator sees
// when Redis is unreachable, the inter-process message format, and the bounded location cache.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { envName, parseCliArgs } from '../../signal-server/cli-args';
import {
  type ClusterMessage,
  decodeClusterBatch,
  decodeClusterMessage,
  encodeClusterBatch,
  encodeClusterMessage,
} from '../../signal-server/cluster/cluster-messages';
import { LocationCache } from '../../signal-server/cluster/location-cache';
import { resolveConfig } from '../../signal-server/config';
import { SIGNAL_CLI } from '../support/signal-process';
import { freePort } from './signal-cluster-support';

describe('cluster config', () => {
  it('reads REDIS_URL for --redis and checks the cluster and drain bounds', () => {
    expect(envName('redis')).toBe('REDIS_URL');
    expect(parseCliArgs([], { REDIS_URL: 'redis://cache:6379' })).toEqual({
      kind: 'run',
      overrides: { redis: 'redis://cache:6379' },
    });
    expect(resolveConfig().redis).toBe('');
    expect(() => resolveConfig({ redis: 'http://cache' })).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => resolveConfig({ redis: 'cache:6379' })).toThrow(/redis/);
    expect(() => resolveConfig({ clusterTtlMs: 1_000, clusterRefreshMs: 600 })).toThrow(/clusterRefreshMs/);
    expect(() => resolveConfig({ drainSpreadMs: 5_000, shutdownTimeoutMs: 5_000 })).toThrow(/drainSpreadMs/);
    expect(() => resolveConfig({ redisPrefix: 'a b' })).toThrow(/redisPrefix/);
  });

  it('exits 1 at start-up with a clear message when Redis does not answer, never printing the password', async () => {
    const port = await freePort();
    const failure = await promisify(execFile)(
      process.execPath,
      [SIGNAL_CLI, '--port', '0', '--redis', `redis://user:s3cret@127.0.0.1:${port}`],
      { timeout: 15_000 },
    ).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure.code).toBe(1);
    expect(failure.stdout).not.toContain('listening on');
    expect(failure.stderr).toContain('[redis-unavailable]');
    expect(failure.stderr).toContain(`redis://user:***@127.0.0.1:${port}`);
    expect(failure.stderr).not.toContain('s3cret');
  });
});

describe('messages between processes', () => {
  const samples: ClusterMessage[] = [
    {
      type: 'deliver',
      hops: 0,
      message: {
        type: 'OFFER',
        src: 'alice',
        dst: 'bob',
        text: '{"src":"alice","type":"OFFER","payload":{"sdp":"a\\tb\\r\\n"},"dst":"bob"}\t',
        queuedAt: 0,
      },
    },
    { type: 'deliver', hops: 1, message: { type: 'notice', dst: 'bob', text: '{"type":"SWARM-JOINED"}' } },
    { type: 'arrived', id: 'carol', node: 'pod-7f9c-12-a1b2c3' },
    { type: 'evict', id: 'carol', token: 'tok en~1' },
  ];

  it('round-trips every kind, the relayed text byte for byte (tabs included)', () => {
    for (const message of samples)
      expect(decodeClusterMessage(encodeClusterMessage(message))).toEqual(message);
  });

  it('carries several messages in one batch, and refuses a batch whose framing is broken', () => {
    expect(decodeClusterBatch(encodeClusterBatch(samples))).toEqual(samples);
    const batch = encodeClusterBatch(samples.slice(0, 2));
    expect(decodeClusterBatch(`${batch}5:A\tx`)).toBeNull();
    expect(decodeClusterBatch(`x${batch}`)).toBeNull();
    expect(decodeClusterBatch('')).toBeNull();
    expect(decodeClusterBatch('3:E\tc')).toEqual([null]);
  });

  it('refuses malformed or forged input instead of delivering it', () => {
    for (const text of [
      '',
      'D\t0\tOFFER\talice\tbob',
      'D\t2\tOFFER\talice\tbob\t{}',
      'D\t0\tHEARTBEAT\talice\tbob\t{}',
      'D\t0\tOFFER\tnot valid!\tbob\t{}',
      'D\t0\tOFFER\talice\tbob\t',
      'A\tcarol\tnode with space',
      'A\tcarol\tnode\textra',
      'E\tcarol\t',
      'X\tcarol\tnode',
    ]) {
      expect(decodeClusterMessage(text), JSON.stringify(text)).toBeNull();
    }
  });
});

describe('location cache', () => {
  it('forgets entries after their age and the oldest beyond its size; forget() spares a newer answer', () => {
    let now = 0;
    const cache = new LocationCache(2, 1_000, () => now);
    cache.set('a', 'n1');
    cache.set('b', 'n1');
    cache.set('c', 'n2');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 'n1', 'n2']);
    cache.forget('c', 'n1');
    expect(cache.get('c')).toBe('n2');
    cache.forget('c', 'n2');
    expect(cache.get('c')).toBeUndefined();
    now = 1_000;
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
