// The HTTP routes the peerjs client and operators use: info JSON, /<key>/id, /<key>/peers, CORS,
// /healthz and /metrics (Prometheus text), under the default and a custom --path.
import { describe, expect, it } from 'vitest';
import { useSignalServer } from './signal-test-client';

const { start, open, fetch: get } = useSignalServer();

describe('HTTP routes', () => {
  it('serves the PeerJS info JSON at the path, with the engine', async () => {
    await start();
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ name: 'PeerJS Server', engine: 'native', swarms: true });
  });

  it('hands out fresh random ids at /<key>/id, as the peerjs client requests them', async () => {
    await start();
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await get(`/peerjs/id?ts=${Date.now()}${Math.random()}&version=1.5.5`);
      expect(response.status).toBe(200);
      ids.add(await response.text());
    }
    expect(ids.size).toBe(5);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('answers /<key>/peers with 401 unless discovery is allowed, then lists connected ids', async () => {
    await start();
    expect((await get('/peerjs/peers')).status).toBe(401);
    await start({ allowDiscovery: true });
    await open('listed');
    expect(await (await get('/peerjs/peers')).json()).toEqual(['listed']);
    expect((await get('/wrongkey/peers')).status).toBe(401);
  });

  it('sets CORS headers and answers preflights', async () => {
    await start();
    const response = await get('/peerjs/id', { headers: { Origin: 'https://viewer.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://viewer.example');
    expect(response.headers.get('vary')).toBe('Origin');
    const preflight = await get('/peerjs/id', {
      method: 'OPTIONS',
      headers: { Origin: 'https://viewer.example', 'Access-Control-Request-Headers': 'x-custom' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('x-custom');
    expect((await get('/peerjs/id', { method: 'POST' })).status).toBe(405);
    expect((await get('/nothing/here/at/all')).status).toBe(404);
  });

  it('reports health as JSON: status, engine, connections', async () => {
    await start();
    await open('someone');
    const health = await (await get('/healthz')).json();
    expect(health).toMatchObject({ status: 'ok', engine: 'native', connections: 1, peers: 1 });
  });

  it('exposes Prometheus metrics: engine, connections and relayed messages by type', async () => {
    await start();
    const alice = await open('alice');
    const bob = await open('bob');
    alice.send({ type: 'CANDIDATE', payload: { candidate: {} }, dst: 'bob' });
    await bob.expect('CANDIDATE');
    const response = await get('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/peerlane_signal_engine_info\{engine="native"\} 1/);
    expect(text).toMatch(/peerlane_signal_connections 2/);
    expect(text).toMatch(/peerlane_signal_messages_relayed_total\{type="CANDIDATE"\} 1/);
    expect(text).toMatch(/peerlane_signal_process_resident_memory_bytes \d+/);
  });

  it('mounts everything under a custom path (the client path option), health stays at the root', async () => {
    await start({ path: '/signal' });
    expect((await get('/signal/')).status).toBe(200);
    expect((await get('/signal')).status).toBe(200);
    expect((await get('/signal/peerjs/id')).status).toBe(200);
    expect((await get('/peerjs/id')).status).toBe(404);
    expect((await get('/healthz')).status).toBe(200);
    await open('mounted', { path: '/signal/' });
  });
});
