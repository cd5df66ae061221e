// --qoe-log: every accepted report as one JSON line with the documented fields (the session's id, never its
// token), rotated by size into a bounded set of files; a path that cannot be written stops the start.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSignalServer } from '../../signal-server/server';
import { fetchMetrics, total } from '../support/prom-text';
import { qoeMessage } from '../support/qoe-report';
import { TestClient } from './signal-test-client';

/** The fields of a record (PROTOCOL.md "QoE log"), in order. */
const FIELDS = [
  'time',
  'node',
  'session',
  'new',
  'channel',
  'final',
  'swarm',
  'asn',
  'country',
  'seq',
  'sessionSec',
  'periodSec',
  'startupSec',
  'playingSec',
  'rebufferSec',
  'rebuffers',
  'droppedFrames',
  'frames',
  'httpBytes',
  'p2pBytes',
  'cacheBytes',
  'uploadedBytes',
  'peers',
  'bitrateKbps',
];

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('QoE log', () => {
  it('writes accepted reports as JSON lines and rotates them into at most qoeLogFiles files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlane-qoe-log-'));
    dirs.push(dir);
    const path = join(dir, 'qoe.jsonl');
    const server = await startSignalServer({
      port: 0,
      host: '127.0.0.1',
      qoeLog: path,
      qoeLogMaxBytes: 2_000,
      qoeLogFiles: 3,
      qoeReportBurst: 100,
    });
    const sessions: string[] = [];
    for (let n = 0; n < 12; n++) {
      const viewer = await TestClient.open(server.port, `viewer${n}`);
      viewer.send(qoeMessage());
      sessions.push((await viewer.expect('QOE-SESSION')).payload.session);
      viewer.send(qoeMessage({ session: sessions[n], seq: 2, sessionSec: 20, startupSec: undefined }));
      await viewer.expectNothingPending();
      viewer.socket.terminate();
      // Between batches, so the log writes more than one (rotation happens between batches).
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The log writes in batches, after the replies: on a busy machine the last ones are still being written.
    const written = await vi.waitFor(
      async () => {
        const count = total(await fetchMetrics(server.port), 'peerlane_qoe_log_records_total', {
          result: 'written',
        });
        expect(count).toBe(24);
        return count;
      },
      { timeout: 10_000, interval: 50 },
    );
    await server.close();

    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    const files = [`${path}.2`, `${path}.1`, path].filter((file) => existsSync(file));
    const records = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    );
    expect(written).toBe(24);
    // Rotation dropped the oldest files' lines: what is left is the newest, complete, in order.
    expect(records.length).toBeGreaterThan(4);
    expect(records.length).toBeLessThan(24);
    const last = records.at(-1);
    expect(Object.keys(last)).toEqual(FIELDS);
    expect(last).toMatchObject({ seq: 2, new: false, channel: 'socket', asn: null, startupSec: null });
    expect(last.session).toBe(sessions[11]?.split('.')[0]);
    expect(JSON.stringify(records)).not.toContain(sessions[11]);
    for (const file of files) expect(readFileSync(file).length).toBeLessThanOrEqual(2_000 + 1_000);
  });

  it('refuses to start when the log cannot be written', async () => {
    await expect(
      startSignalServer({ port: 0, host: '127.0.0.1', qoeLog: '/nonexistent-dir/qoe.jsonl' }),
    ).rejects.toMatchObject({ code: 'qoe-log-failed' });
  });
});
