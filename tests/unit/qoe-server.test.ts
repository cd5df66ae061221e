// QoE reports at a running server (both engines): a first report begins a session and gets its token, later
// ones (any socket, or a beacon) continue it; duplicates, floods, forgeries and impossible values never reach
// the peerlane_qoe_* metrics, and each refusal is counted.
import { describe, expect, it } from 'vitest';
import { fetchMetrics, total } from '../support/prom-text';
import { qoeMessage } from '../support/qoe-report';
import { fallbackEngine, type TestClient, useSignalServer } from './signal-test-client';

const SWARM = 'https://cdn.example/vod/title/720p/index.m3u8';

describe.each([
  ['native uWS', undefined],
  ['ws fallback', fallbackEngine],
])('QoE reports on %s', (_name, engine) => {
  const signal = useSignalServer(engine);
  const metrics = () => fetchMetrics(signal.server().port);
  /** Sends a first report and returns the session token from QOE-SESSION. */
  const begin = async (client: TestClient, fields = {}) => {
    client.send(qoeMessage(fields));
    const answer = await client.expect('QOE-SESSION');
    return answer.payload.session as string;
  };
  const beacon = (body: unknown) =>
    signal.fetch('/qoe', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('counts a session once, with its startup, bytes by source, rebuffering and frames', async () => {
    await signal.start();
    const viewer = await signal.open('viewer1');
    const session = await begin(viewer);
    expect(session).toMatch(/^[\w-]{22}\.[\w-]{22}$/);
    viewer.send(
      qoeMessage({ session, seq: 2, sessionSec: 20, periodSec: 10, startupSec: undefined, p2pBytes: 7_000 }),
    );
    await viewer.expectNothingPending();
    const samples = await metrics();
    // Among the top swarms (there is one), from an address no GeoIP lookup described.
    const labels = { swarm: SWARM, asn: 'unknown', country: 'unknown' };
    expect(total(samples, 'peerlane_qoe_sessions_total', labels)).toBe(1);
    expect(total(samples, 'peerlane_qoe_startup_seconds_count', labels)).toBe(1);
    expect(total(samples, 'peerlane_qoe_startup_seconds_sum')).toBeCloseTo(1.2);
    expect(total(samples, 'peerlane_qoe_media_bytes_total', { source: 'p2p' })).toBe(10_000);
    expect(total(samples, 'peerlane_qoe_media_bytes_total', { source: 'http' })).toBe(2_000);
    expect(total(samples, 'peerlane_qoe_watch_seconds_total')).toBe(16);
    expect(total(samples, 'peerlane_qoe_rebuffer_seconds_total')).toBe(1);
    expect(total(samples, 'peerlane_qoe_rebuffers_total')).toBe(2);
    expect(total(samples, 'peerlane_qoe_dropped_frames_total')).toBe(4);
    expect(total(samples, 'peerlane_qoe_uploaded_bytes_total')).toBe(1_000);
    expect(total(samples, 'peerlane_qoe_peer_seconds_total')).toBe(40);
    expect(total(samples, 'peerlane_qoe_reports_total', { channel: 'socket', result: 'accepted' })).toBe(2);
  });

  it('ignores a repeated seq, and continues the session on a new socket and by beacon, never twice', async () => {
    await signal.start();
    const first = await signal.open('viewer1');
    const session = await begin(first);
    first.send(qoeMessage({ session, seq: 1 }));
    await first.expectNothingPending();
    first.socket.terminate();
    // Reconnected (new socket): same session, no new one; a report lost in between loses its own period only.
    const again = await signal.open('viewer1b');
    again.send(qoeMessage({ session, seq: 3, sessionSec: 40, periodSec: 10, startupSec: 1.2 }));
    await again.expectNothingPending();
    const last = { session, sessionSec: 45, periodSec: 5, playingSec: 4 };
    expect((await beacon(qoeMessage({ ...last, seq: 4, final: true }))).status).toBe(204);
    expect((await beacon(qoeMessage({ ...last, seq: 5 }))).status).toBe(409);
    const samples = await metrics();
    expect(total(samples, 'peerlane_qoe_sessions_total')).toBe(1);
    expect(total(samples, 'peerlane_qoe_startup_seconds_count')).toBe(1);
    expect(total(samples, 'peerlane_qoe_media_bytes_total', { source: 'p2p' })).toBe(9_000);
    expect(total(samples, 'peerlane_qoe_reports_total', { result: 'duplicate' })).toBe(1);
    expect(total(samples, 'peerlane_qoe_reports_total', { channel: 'beacon', result: 'accepted' })).toBe(1);
    expect(total(samples, 'peerlane_qoe_reports_total', { channel: 'beacon', result: 'ended' })).toBe(1);
  });

  it('refuses beacons that are forged, malformed, too large or without a session, counting each', async () => {
    await signal.start();
    const viewer = await signal.open('viewer1');
    const session = await begin(viewer);
    const [id] = session.split('.');
    const forged = `${id}.${'A'.repeat(22)}`;
    expect((await beacon(qoeMessage({ session: forged, seq: 2, sessionSec: 20 }))).status).toBe(403);
    expect((await beacon(qoeMessage({ seq: 2, sessionSec: 20 }))).status).toBe(403);
    expect((await beacon('{"type":"QOE-REPORT","payload":')).status).toBe(400);
    expect((await beacon(qoeMessage({ session, seq: 2, httpBytes: -1 }))).status).toBe(400);
    expect((await beacon(`${' '.repeat(5_000)}{}`)).status).toBe(413);
    expect((await signal.fetch('/qoe', { method: 'PUT', body: '{}' })).status).toBe(405);
    // A socket cannot report for another session either.
    const other = await signal.open('viewer2');
    await begin(other);
    other.send(qoeMessage({ session, seq: 9, sessionSec: 20 }));
    await other.expectNothingPending();
    const samples = await metrics();
    expect(total(samples, 'peerlane_qoe_reports_total', { channel: 'beacon', result: 'bad-session' })).toBe(
      2,
    );
    expect(total(samples, 'peerlane_qoe_reports_total', { channel: 'beacon', result: 'malformed' })).toBe(2);
    expect(total(samples, 'peerlane_qoe_reports_total', { result: 'other-session' })).toBe(1);
    expect(total(samples, 'peerlane_qoe_media_bytes_total', { source: 'p2p' })).toBe(6_000);
  });

  it('answers a malformed report on the socket with invalid-payload and counts nothing', async () => {
    await signal.start();
    const viewer = await signal.open('viewer1');
    viewer.send(qoeMessage({ playingSec: Number.NaN }));
    const error = await viewer.expect('ERROR');
    expect(error.payload).toMatchObject({ code: 'invalid-payload' });
    expect(error.payload.msg).toContain('playingSec');
    expect(total(await metrics(), 'peerlane_qoe_sessions_total')).toBe(0);
  });

  it('refuses reports that cannot be true: more stalling than time, bytes beyond any link, time from the future', async () => {
    await signal.start({ qoeMaxMbps: 100 });
    const viewer = await signal.open('viewer1');
    for (const fields of [
      { rebufferSec: 12 },
      { httpBytes: 200_000_000 },
      { sessionSec: 4_000, periodSec: 4_000, playingSec: 10 },
      { droppedFrames: 300 },
    ])
      viewer.send(qoeMessage(fields));
    await viewer.expectNothingPending();
    const session = await begin(viewer);
    // Its first report covered 10 s of the 600 s grace; 700 s more cannot have passed since.
    viewer.send(qoeMessage({ session, seq: 2, sessionSec: 710, periodSec: 700 }));
    await viewer.expectNothingPending();
    const samples = await metrics();
    expect(total(samples, 'peerlane_qoe_reports_total', { result: 'implausible' })).toBe(5);
    expect(total(samples, 'peerlane_qoe_sessions_total')).toBe(1);
    expect(total(samples, 'peerlane_qoe_media_bytes_total', { source: 'http' })).toBe(1_000);
  });

  it('rate-limits a flood from one connection: the aggregates grow by the burst at most', async () => {
    await signal.start({ qoeReportBurst: 4, qoeReportsPerMinute: 6 });
    const viewer = await signal.open('viewer1');
    const session = await begin(viewer);
    const flood = 150;
    for (let seq = 2; seq <= flood; seq++)
      viewer.send(qoeMessage({ session, seq, sessionSec: 10 + seq * 0.01, periodSec: 0.01, playingSec: 0 }));
    await viewer.expectNothingPending();
    const samples = await metrics();
    const accepted = total(samples, 'peerlane_qoe_reports_total', { result: 'accepted' });
    // The first report and 3 more from the burst; the refill (0.1/s) adds at most one in a test's seconds.
    expect(accepted).toBeGreaterThanOrEqual(4);
    expect(accepted).toBeLessThanOrEqual(5);
    expect(total(samples, 'peerlane_qoe_reports_total', { result: 'rate-limited' })).toBe(flood - accepted);
    expect(total(samples, 'peerlane_qoe_media_bytes_total', { source: 'p2p' })).toBe(3_000 * accepted);
    expect(total(samples, 'peerlane_qoe_sessions_total')).toBe(1);
  });

  it('ignores reports when --qoe=false, counting them', async () => {
    await signal.start({ qoe: false });
    const viewer = await signal.open('viewer1');
    viewer.send(qoeMessage());
    await viewer.expectNothingPending();
    const samples = await metrics();
    expect(total(samples, 'peerlane_qoe_reports_total', { result: 'off' })).toBe(1);
    expect(total(samples, 'peerlane_qoe_sessions_total')).toBe(0);
  });
});

describe('QoE labels', () => {
  const signal = useSignalServer();

  it('labels by swarm only within the allow-list and the top swarms, the rest as other', async () => {
    await signal.start({ qoeSwarms: 'https://cdn.example/live/*,exact-swarm', qoeTopSwarms: 1 });
    const send = async (id: string, swarm: string) => {
      const viewer = await signal.open(id);
      viewer.send(qoeMessage({ swarm }));
      await viewer.expect('QOE-SESSION');
    };
    await send('v1', SWARM);
    await send('v2', 'https://cdn.example/live/news/720p.m3u8');
    await send('v3', 'https://cdn.example/live/sport/480p.m3u8');
    await send('v4', 'exact-swarm');
    await send('v5', 'https://cdn.example/vod/another/index.m3u8');
    const samples = await fetchMetrics(signal.server().port);
    const bySwarm = (swarm: string) => total(samples, 'peerlane_qoe_sessions_total', { swarm });
    expect(bySwarm(SWARM)).toBe(1);
    expect(bySwarm('https://cdn.example/live/*')).toBe(2);
    expect(bySwarm('exact-swarm')).toBe(1);
    expect(bySwarm('other')).toBe(1);
  });
});
