// Access control on a real server: origin allow-list (WebSocket and CORS), per-site keys from --keys and
// a keys file, signed join tokens with expiry, token length, and per-IP connection limits behind proxies.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientIp } from '../../signal-server/access/client-ip';
import { signJoinToken, verifyJoinToken } from '../../signal-server/access/join-token';
import { createOriginPolicy } from '../../signal-server/access/origin-policy';
import { loadSiteKeys } from '../../signal-server/access/site-keys';
import { parseCliArgs } from '../../signal-server/cli-args';
import { resolveConfig } from '../../signal-server/config';
import { fallbackEngine, startTestServer, type TestClient, useSignalServer } from './signal-test-client';

const SECRET = 'a-site-secret-of-at-least-32-characters';
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

/** The refusal a client gets: the message type and code, then the close code and reason. */
async function refusal(client: TestClient) {
  const message = await client.next();
  const closed = await client.closed;
  return [message.type, message.payload?.code, closed.code, closed.reason];
}

describe('origin allow-list', () => {
  const { start, open, connect, fetch } = useSignalServer();

  it('admits listed origins and *.domain patterns, refuses others and connections without Origin', async () => {
    await start({ allowedOrigins: 'https://video.example, *.cdn.example, http://localhost:8080' });
    const origin = (value: string) => ({ headers: { Origin: value } });
    await open('exact', origin('https://video.example'));
    await open('pattern', origin('https://eu.cdn.example'));
    await open('withport', origin('http://localhost:8080'));
    for (const [id, value] of [
      ['evil', 'https://evil.example'],
      ['suffix', 'https://notcdn.example'],
      ['port', 'http://localhost:9090'],
    ] as const) {
      expect(await refusal(await connect(id, origin(value)))).toEqual([
        'ERROR',
        'origin-not-allowed',
        4001,
        'origin-not-allowed',
      ]);
    }
    expect(await refusal(await connect('nobrowser'))).toEqual([
      'ERROR',
      'origin-not-allowed',
      4001,
      'origin-not-allowed',
    ]);
    const metrics = await (await fetch('/metrics')).text();
    expect(metrics).toContain('peerlane_signal_rejects_total{reason="origin-not-allowed"} 4');
  });

  it('mirrors the list in CORS: listed origins are echoed, others get no Access-Control-Allow-Origin', async () => {
    await start({ allowedOrigins: '*.example.com' });
    const allowed = await fetch('/peerjs/id', { headers: { Origin: 'https://www.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://www.example.com');
    const refused = await fetch('/peerjs/id', { headers: { Origin: 'https://example.org' } });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('vary')).toBe('Origin');
  });

  it('without a list reflects any origin, as the reference server', async () => {
    await start();
    await open('anyone', { headers: { Origin: 'https://whatever.example' } });
    const reply = await fetch('/', { headers: { Origin: 'https://whatever.example' } });
    expect(reply.headers.get('access-control-allow-origin')).toBe('https://whatever.example');
  });

  it('refuses a malformed list at start', () => {
    expect(() => createOriginPolicy('https://ok.example, not an origin')).toThrow(/allowedOrigins/);
    expect(createOriginPolicy('')).toBeNull();
    const policy = createOriginPolicy('https://*.example.com');
    expect([policy?.('https://a.b.example.com'), policy?.('http://a.example.com')]).toEqual([true, false]);
  });
});

describe('per-site keys', () => {
  const { start, open, connect } = useSignalServer();

  it('accepts the keys of --keys and refuses any other key, including the default peerjs', async () => {
    await start({ keys: 'site-a, site-b' });
    await open('alice', { key: 'site-a' });
    await open('bob', { key: 'site-b' });
    expect(await refusal(await connect('carol'))).toEqual([
      'INVALID-KEY',
      'invalid-key',
      4001,
      'invalid-key',
    ]);
  });

  it('reads keys from a file, one per line with comments, or JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlane-keys-'));
    const lines = join(dir, 'keys.txt');
    writeFileSync(lines, `# sites\nsite-a\nsite-b ${SECRET}  # signed tokens\n`);
    expect([...loadSiteKeys({ key: 'peerjs', keys: '', keysFile: lines })]).toEqual([
      ['site-a', null],
      ['site-b', SECRET],
    ]);
    const json = join(dir, 'keys.json');
    writeFileSync(json, JSON.stringify(['site-c', { key: 'site-d', secret: SECRET }]));
    await start({ keysFile: json });
    await open('alice', { key: 'site-c' });
    const token = signJoinToken(SECRET, 'site-d', 'bob', inAnHour());
    await open('bob', { key: 'site-d', token });
    expect(await refusal(await connect('carol', { key: 'site-a' }))).toEqual([
      'INVALID-KEY',
      'invalid-key',
      4001,
      'invalid-key',
    ]);
  });

  it('stops at start on a bad keys file or a short secret, with the field named', async () => {
    await expect(startTestServer({ keysFile: '/nonexistent/keys' })).rejects.toMatchObject({
      code: 'invalid-config',
    });
    await expect(startTestServer({ allowedOrigins: 'not an origin' })).rejects.toThrow(/allowedOrigins/);
    const read = (text: string) => () => text;
    const load = (text: string) => loadSiteKeys({ key: 'peerjs', keys: '', keysFile: 'keys' }, read(text));
    expect(() => load('bad key with spaces')).toThrow(/keysFile/);
    expect(() => load('[{"key": 5}]')).toThrow(/keysFile/);
    expect(() => load('site short-secret')).toThrow(/at least 32 characters/);
    expect(() => loadSiteKeys({ key: 'peerjs', keys: '', keysFile: '/nonexistent/keys' })).toThrow(
      /readable/,
    );
  });
});

describe('signed join tokens', () => {
  const { start, open, connect } = useSignalServer();
  const keys = `site:${SECRET}`;

  it('admits a token signed for this key and id, and the same token reconnects (replacing)', async () => {
    await start({ keys });
    const token = signJoinToken(SECRET, 'site', 'alice', inAnHour());
    const first = await open('alice', { key: 'site', token });
    await open('alice', { key: 'site', token });
    expect((await first.closed).code).toBe(4000);
  });

  it('refuses an expired token, a token for another id or key, a tampered one and a plain one', async () => {
    await start({ keys: `${keys},other:${SECRET}` });
    const cases: [string, string, string][] = [
      [
        'alice',
        signJoinToken(SECRET, 'site', 'alice', Math.floor(Date.now() / 1000) - 1),
        'join-token-expired',
      ],
      ['alice', signJoinToken(SECRET, 'site', 'mallory', inAnHour()), 'invalid-join-token'],
      ['alice', signJoinToken(SECRET, 'other', 'alice', inAnHour()), 'invalid-join-token'],
      [
        'alice',
        signJoinToken('another-secret-of-at-least-32-chars', 'site', 'alice', inAnHour()),
        'invalid-join-token',
      ],
      ['alice', `v1.${inAnHour()}.${'A'.repeat(43)}`, 'invalid-join-token'],
      ['alice', 'a-plain-peerjs-token', 'invalid-join-token'],
    ];
    for (const [id, token, code] of cases) {
      const client = await connect(id, { key: 'site', token });
      const [type, got, closeCode] = await refusal(client);
      expect([type, got, closeCode]).toEqual(['ERROR', code, 4001]);
    }
  });

  it('verifies the format documented in PROTOCOL.md', () => {
    const exp = 1_900_000_000;
    const token = signJoinToken(SECRET, 'site', 'alice', exp);
    expect(token).toMatch(/^v1\.1900000000\.[A-Za-z0-9_-]{43}$/);
    expect(verifyJoinToken(token, SECRET, 'site', 'alice', exp * 1000 - 1)).toBeNull();
    expect(verifyJoinToken(token, SECRET, 'site', 'alice', exp * 1000)?.code).toBe('join-token-expired');
  });
});

describe('tokens bind ids', () => {
  const { start, open, connect } = useSignalServer();

  it('refuses tokens shorter than minTokenLength, so an id cannot be taken over by guessing', async () => {
    await start();
    expect(await refusal(await connect('alice', { token: 'abc' }))).toEqual([
      'ERROR',
      'invalid-token',
      4001,
      'invalid-token',
    ]);
    const owner = await open('bob', { token: 'k3j5h2l9x8q1' });
    expect(await refusal(await connect('bob', { token: 'guess12345' }))).toEqual([
      'ID-TAKEN',
      'id-taken',
      4001,
      'id-taken',
    ]);
    await owner.expectNothingPending();
  });
});

describe('per-IP connection limit', () => {
  const { start, open, connect } = useSignalServer();

  it('refuses the connection over maxConnectionsPerIp with too-many-connections, and admits again after a close', async () => {
    await start({ maxConnectionsPerIp: 2 });
    const first = await open('one1');
    await open('two2');
    expect(await refusal(await connect('three'))).toEqual([
      'ERROR',
      'too-many-connections',
      1013,
      'too-many-connections',
    ]);
    await first.close();
    await open('four4');
  });

  it('ignores X-Forwarded-For unless trustProxy is set, so a client cannot pick its own address', async () => {
    await start({ maxConnectionsPerIp: 1 });
    await open('one1', { headers: { 'X-Forwarded-For': '192.0.2.1' } });
    const spoofed = await connect('two2', { headers: { 'X-Forwarded-For': '192.0.2.2' } });
    expect((await refusal(spoofed))[1]).toBe('too-many-connections');
  });

  it('behind trustProxy hops counts the address the outermost trusted proxy saw', async () => {
    await start({ maxConnectionsPerIp: 1, trustProxy: 1 });
    await open('one1', { headers: { 'X-Forwarded-For': '192.0.2.1' } });
    await open('two2', { headers: { 'X-Forwarded-For': '192.0.2.2' } });
    // A client-written entry in front of the proxy's own does not change who it is.
    const again = await connect('three', { headers: { 'X-Forwarded-For': '10.9.9.9, 192.0.2.1' } });
    expect((await refusal(again))[1]).toBe('too-many-connections');
  });

  describe('on the ws fallback engine', () => {
    const fallback = useSignalServer(fallbackEngine);

    it('counts connections per address and checks origins the same way', async () => {
      await fallback.start({ maxConnectionsPerIp: 1, allowedOrigins: 'https://video.example' });
      const headers = { Origin: 'https://video.example' };
      await fallback.open('one1', { headers });
      expect((await refusal(await fallback.connect('two2', { headers })))[1]).toBe('too-many-connections');
      const other = { Origin: 'https://evil.example' };
      expect((await refusal(await fallback.connect('three', { headers: other })))[1]).toBe(
        'origin-not-allowed',
      );
    });
  });

  it('reads the client address from the right of X-Forwarded-For', () => {
    expect(clientIp('::ffff:10.0.0.5', '', 0)).toBe('10.0.0.5');
    expect(clientIp('10.0.0.5', '1.1.1.1', 0)).toBe('10.0.0.5');
    expect(clientIp('10.0.0.5', 'spoof, 198.51.100.4', 1)).toBe('198.51.100.4');
    expect(clientIp('10.0.0.5', 'spoof, 198.51.100.4, 10.0.0.9', 2)).toBe('198.51.100.4');
    expect(clientIp('10.0.0.5', '198.51.100.4', 5)).toBe('198.51.100.4');
    // IPv6 counts by /64, however it is written: one subscriber's addresses are one address.
    expect(clientIp('2001:db8:1:2:aaaa::1', '', 0)).toBe('2001:db8:1:2::/64');
    expect(clientIp('2001:0db8:0001:0002:bbbb:0000:0000:0002', '', 0)).toBe('2001:db8:1:2::/64');
    expect(clientIp('10.0.0.5', '[2001:db8::7]', 1)).toBe('2001:db8:0:0::/64');
    expect(clientIp('::1', '', 0)).toBe('0:0:0:0::/64');
  });
});

describe('access-control settings', () => {
  it('maps flags and env onto the config, with 0 meaning off for the per-IP limits and trustProxy', () => {
    const request = parseCliArgs(
      ['--allowed-origins', '*.site.example', '--keys-file', '/etc/peerlane/keys', '--swarm-only-signaling'],
      { PEERLANE_MAX_CONNECTIONS_PER_IP: '20', PEERLANE_TRUST_PROXY: '1', PEERLANE_KEYS: 'a,b' },
    );
    expect(request).toEqual({
      kind: 'run',
      overrides: {
        allowedOrigins: '*.site.example',
        keysFile: '/etc/peerlane/keys',
        swarmOnlySignaling: true,
        maxConnectionsPerIp: 20,
        trustProxy: 1,
        keys: 'a,b',
      },
    });
    const defaults = resolveConfig();
    expect([defaults.maxConnectionsPerIp, defaults.maxMessagesPerSecondPerIp, defaults.trustProxy]).toEqual([
      0, 0, 0,
    ]);
    expect([defaults.swarmOnlySignaling, defaults.minTokenLength, defaults.idReserveMs]).toEqual([
      false,
      8,
      10_000,
    ]);
    expect(() => resolveConfig({ minTokenLength: 0 })).toThrow(/minTokenLength/);
  });
});
