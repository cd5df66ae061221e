// The HTTP routes as a pure function of the request: health while draining, ids never already in use.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../signal-server/config';
import {
  createHttpRoutes,
  type HttpReply,
  type HttpRoutesContext,
} from '../../signal-server/http/http-routes';

function routesWith(context: Partial<HttpRoutesContext>) {
  return createHttpRoutes({
    config: resolveConfig(),
    engine: 'native',
    admission: { keys: new Map([['peerjs', null]]), origins: null },
    status: () => 'ok',
    stats: () => ({ connections: 3, peers: 2, swarms: 1, members: 2, queued: 0 }),
    isConnected: () => false,
    peerIds: () => [],
    metrics: new Registry(),
    startedAt: Date.now(),
    ...context,
  });
}

const get = (url: string) => ({ method: 'get', url, origin: '', requestHeaders: '' });

describe('HTTP routes', () => {
  it('answers /healthz with 503 while draining, so load balancers move away', async () => {
    let status: 'ok' | 'draining' = 'ok';
    const routes = routesWith({ status: () => status });
    const ok = (await routes(get('/healthz'))) as HttpReply;
    expect([ok.status, JSON.parse(ok.body).status]).toEqual([200, 'ok']);
    status = 'draining';
    const draining = (await routes(get('/healthz'))) as HttpReply;
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.body)).toMatchObject({ status: 'draining', connections: 3 });
  });

  it('never hands out an id that is connected right now', async () => {
    const asked: string[] = [];
    const routes = routesWith({ isConnected: (id) => asked.push(id) < 3 });
    const reply = (await routes(get('/peerjs/id'))) as HttpReply;
    expect(asked).toHaveLength(3);
    expect(reply.body).toBe(asked[2]);
    expect(new Set(asked).size).toBe(3);
  });
});
