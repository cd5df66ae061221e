import { afterEach, describe, expect, it, vi } from 'vitest';
import { HelloRequests } from '../../sw/worker/hello-requests';

describe('HelloRequests', () => {
  afterEach(() => vi.useRealTimers());

  it('asks a page without a port once per interval, and never one that is connected', () => {
    vi.useFakeTimers();
    const asked: string[] = [];
    const connected = new Set(['page-with-port']);
    const hellos = new HelloRequests({
      connected: (clientId) => connected.has(clientId),
      ask: (clientId) => asked.push(clientId),
      limits: { maxTrackedClients: 8, helloRequestIntervalMs: 1000 },
    });
    hellos.askFor('page');
    hellos.askFor('page');
    hellos.askFor('page-with-port');
    hellos.askFor('');
    expect(asked).toEqual(['page']);
    vi.advanceTimersByTime(1000);
    hellos.askFor('page');
    expect(asked).toEqual(['page', 'page']);
  });
});
