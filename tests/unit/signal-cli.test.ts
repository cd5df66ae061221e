// The peerlane-signal command as operators run it (a child process): flags and env, --help, refusing the
// ws fallback unless allowed, and SIGTERM closing peers with 1001 and exiting 0.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SIGNAL_CLI, startSignalProcess } from '../support/signal-process';
import { TestClient } from './signal-test-client';

const run = promisify(execFile);

/** Runs the CLI to completion; resolves with its exit code and output whatever the code. */
async function runCli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [SIGNAL_CLI, ...args], {
      env: { ...process.env, ...env },
      timeout: 15_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('peerlane-signal CLI', () => {
  it('prints every option with its env name and default on --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--max-payload-bytes');
    expect(stdout).toContain('PEERLANE_MAX_PAYLOAD_BYTES');
    expect(stdout).toContain('--allow-fallback');
  });

  it('exits 2 with the reason on an unknown flag or a bad value', async () => {
    const unknown = await runCli(['--prot', '9000']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--prot'");
    const bad = await runCli(['--max-connections', '-5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('maxConnections');
  });

  it('listens on the --port given, and a second server on that busy port fails instead of sharing it', async () => {
    const port = await freePort();
    const server = await startSignalProcess({ args: ['--port', String(port)] });
    try {
      expect(server.port).toBe(port);
      const second = await runCli(['--port', String(port)]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('[listen-failed]');
    } finally {
      await server.stop();
    }
  });

  it('refuses to start on the ws fallback engine without --allow-fallback', async () => {
    const { code, stdout, stderr } = await runCli(['--port', '0'], { UWS_USE_FALLBACK: '1' });
    expect(code).toBe(1);
    expect(stdout).not.toContain('listening on');
    expect(stderr).toContain('--allow-fallback');
    expect(stderr).toContain('[fallback-engine]');
  });

  it('runs on the fallback when allowed (env form), reports it, relays, and stops on SIGTERM', async () => {
    const server = await startSignalProcess({ env: { UWS_USE_FALLBACK: '1', PEERLANE_ALLOW_FALLBACK: '1' } });
    try {
      const health = await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).json();
      expect(health).toMatchObject({ status: 'ok', engine: 'fallback' });
      const alice = await TestClient.open(server.port, 'alice');
      const bob = await TestClient.open(server.port, 'bob');
      alice.send({ type: 'OFFER', payload: { connectionId: 'dc_1' }, dst: 'bob' });
      expect((await bob.expect('OFFER')).src).toBe('alice');
      server.child.kill('SIGTERM');
      expect(await alice.closed).toEqual({ code: 1001, reason: 'going-away' });
      expect(await server.exited).toEqual({ code: 0, signal: null });
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('on SIGTERM closes every peer with 1001 "going away" and exits 0 within the bound', async () => {
    // Flags win over env: the env key is ignored.
    const server = await startSignalProcess({
      args: ['--port', '0', '--key', 'flagkey'],
      env: { PEERLANE_KEY: 'envkey' },
    });
    try {
      const peers = await Promise.all(
        ['p1', 'p2', 'p3'].map((id) => TestClient.open(server.port, id, { key: 'flagkey' })),
      );
      const started = Date.now();
      server.child.kill('SIGTERM');
      for (const peer of peers) expect(await peer.closed).toEqual({ code: 1001, reason: 'going-away' });
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(6_000);
      await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
    } finally {
      await server.stop('SIGKILL');
    }
  });
});
