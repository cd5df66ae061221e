// The worker's side of the page bridge over real MessageChannels: requests reach the right agent, answers are
// validated, and a silent, dead or misbehaving agent never holds a segment past the deadline.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LoadedResource, WorkerToPageMessage } from '../../protocol/bridge/bridge-messages';
import type { OriginHash, SegmentRef } from '../../protocol/bridge/segment-ref';
import { sha256Hex } from '../../protocol/sha256-hex';
import { AgentBridge } from '../../sw/worker/agent-bridge';

const SEGMENT: SegmentRef = {
  id: 'https://cdn.example.com/s1.ts',
  swarm: 'https://cdn.example.com/720p.m3u8',
  url: 'https://cdn.example.com/s1.ts?token=1',
  range: null,
  durationSec: 2,
  sequence: 1,
};

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const dispose of cleanup.splice(0)) dispose();
  vi.restoreAllMocks();
});

function bridgeWith(
  alive: Set<string>,
  maxPendingPeerRequests = 8,
  originHashes: (hashes: Map<string, OriginHash>) => void = () => {},
  loadedBeforeControl: (clientId: string, resources: LoadedResource[]) => void = () => {},
) {
  const bridge = new AgentBridge({
    limits: { maxPendingPeerRequests, bridgeGraceMs: 10, maxTrackedClients: 4 },
    isClientAlive: async (clientId) => alive.has(clientId),
    originHashes,
    loadedBeforeControl,
  });
  cleanup.push(() => bridge.destroy());
  return bridge;
}

/** A page agent at the other end of a port: records what it gets, answers with `reply`. */
function agent(
  bridge: AgentBridge,
  clientId: string,
  reply?: (message: WorkerToPageMessage, port: MessagePort) => void,
) {
  const channel = new MessageChannel();
  const received: WorkerToPageMessage[] = [];
  const next: Array<(message: WorkerToPageMessage) => void> = [];
  channel.port2.onmessage = (event: MessageEvent) => {
    received.push(event.data);
    next.shift()?.(event.data);
    reply?.(event.data, channel.port2);
  };
  bridge.connect(clientId, channel.port1);
  cleanup.push(() => channel.port2.close());
  return {
    received,
    port: channel.port2,
    nextMessage: () => new Promise<WorkerToPageMessage>((resolve) => next.push(resolve)),
  };
}

async function answerOk(message: WorkerToPageMessage, port: MessagePort): Promise<void> {
  if (message.type !== 'segment-request') return;
  const data = new Uint8Array([1, 2, 3]).buffer;
  const sha256 = await sha256Hex(data);
  port.postMessage({ type: 'segment-response', requestId: message.requestId, status: 'ok', data, sha256 }, [
    data,
  ]);
}

describe('AgentBridge', () => {
  it("asks the requesting page's agent and hands back its bytes", async () => {
    const bridge = bridgeWith(new Set(['page-1', 'page-2']));
    const own = agent(bridge, 'page-1', (message, port) => void answerOk(message, port));
    const other = agent(bridge, 'page-2');
    const delivery = await bridge.requestSegment('page-1', SEGMENT, 1000);
    expect(delivery?.clientId).toBe('page-1');
    expect([...new Uint8Array(delivery?.data ?? new ArrayBuffer(0))]).toEqual([1, 2, 3]);
    expect(delivery?.sha256).toBe(await sha256Hex(new Uint8Array([1, 2, 3])));
    expect(own.received[0]).toMatchObject({ type: 'segment-request', segment: SEGMENT, maxWaitMs: 1000 });
    expect(other.received).toEqual([]);
  });

  it('falls back to another live agent when the page has none, dropping dead ones', async () => {
    const alive = new Set(['page-2']);
    const bridge = bridgeWith(alive);
    agent(bridge, 'gone'); // its page navigated away: the port is dead
    agent(bridge, 'page-2', (message, port) => void answerOk(message, port));
    const delivery = await bridge.requestSegment('worker-client', SEGMENT, 1000);
    expect(delivery?.clientId).toBe('page-2');
    expect(bridge.has('gone')).toBe(false);
  });

  it('answers null at once when no agent is alive', async () => {
    const bridge = bridgeWith(new Set());
    agent(bridge, 'gone');
    const started = performance.now();
    expect(await bridge.requestSegment('gone', SEGMENT, 5000)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('gives up after the deadline and tells the agent to cancel', async () => {
    const bridge = bridgeWith(new Set(['page-1']));
    const silent = agent(bridge, 'page-1');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const cancel = silent.nextMessage().then(() => silent.nextMessage());
    expect(await bridge.requestSegment('page-1', SEGMENT, 30)).toBeNull();
    const request = silent.received[0];
    expect(await cancel).toEqual({
      type: 'segment-cancel',
      requestId: request?.type === 'segment-request' ? request.requestId : -1,
    });
    expect(warn.mock.calls[0]?.[0]).toContain('peer-timeout');
  });

  it('stops waiting, and cancels, when the player aborts its request', async () => {
    const bridge = bridgeWith(new Set(['page-1']));
    const page = agent(bridge, 'page-1');
    const player = new AbortController();
    const pending = bridge.requestSegment('page-1', SEGMENT, 60_000, player.signal);
    const request = await page.nextMessage();
    const cancel = page.nextMessage();
    player.abort();
    expect(await pending).toBeNull();
    expect(await cancel).toEqual({
      type: 'segment-cancel',
      requestId: request.type === 'segment-request' ? request.requestId : -1,
    });
  });

  it('takes a miss as a miss', async () => {
    const bridge = bridgeWith(new Set(['page-1']));
    agent(bridge, 'page-1', (message, port) => {
      if (message.type === 'segment-request') {
        port.postMessage({
          type: 'segment-response',
          requestId: message.requestId,
          status: 'miss',
          reason: 'no peer',
        });
      }
    });
    expect(await bridge.requestSegment('page-1', SEGMENT, 5000)).toBeNull();
  });

  it('ignores malformed answers and answers to requests it did not send to that agent', async () => {
    const bridge = bridgeWith(new Set(['page-1', 'page-2']));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const intruder = agent(bridge, 'page-2');
    agent(bridge, 'page-1', (message, port) => {
      if (message.type !== 'segment-request') return;
      port.postMessage({
        type: 'segment-response',
        requestId: message.requestId,
        status: 'ok',
        data: 'text',
        sha256: 'x',
      });
      intruder.port.postMessage({
        type: 'segment-response',
        requestId: message.requestId,
        status: 'ok',
        data: new ArrayBuffer(3),
        sha256: 'ab'.repeat(32),
      });
    });
    expect(await bridge.requestSegment('page-1', SEGMENT, 50)).toBeNull();
    expect(warn.mock.calls.some(([line]) => String(line).includes('bad-message'))).toBe(true);
  });

  it("hands on the hash service's hashes an agent relays, and nothing malformed", async () => {
    const relayed: Array<Map<string, OriginHash>> = [];
    const bridge = bridgeWith(new Set(['page-1']), 8, (hashes) => relayed.push(hashes));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const page = agent(bridge, 'page-1');
    const hash = { size: 3, sha256: 'ab'.repeat(32) };
    page.port.postMessage({ type: 'origin-hashes', hashes: [{ id: 'bad', size: 0, sha256: hash.sha256 }] });
    page.port.postMessage({ type: 'origin-hashes', hashes: [] });
    page.port.postMessage({ type: 'origin-hashes', hashes: [{ id: SEGMENT.id, ...hash }] });
    await vi.waitFor(() => expect(relayed).toHaveLength(1), { timeout: 10_000 });
    expect(relayed[0]).toEqual(new Map([[SEGMENT.id, hash]]));
    expect(warn.mock.calls.filter(([line]) => String(line).includes('bad-message'))).toHaveLength(2);
  });

  it('hands on what a page loaded before the worker controlled it, with the page it came from', async () => {
    const adopted: Array<[string, LoadedResource[]]> = [];
    const bridge = bridgeWith(new Set(['page-1']), 8, undefined, (clientId, resources) =>
      adopted.push([clientId, resources]),
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const page = agent(bridge, 'page-1');
    const playlist = { url: 'https://cdn.example/a/index.m3u8', bytes: 312, ms: 20 };
    page.port.postMessage({ type: 'loaded-before-control', resources: [{ ...playlist, bytes: -1 }] });
    page.port.postMessage({ type: 'loaded-before-control', resources: [playlist] });
    await vi.waitFor(() => expect(adopted).toHaveLength(1), { timeout: 10_000 });
    expect(adopted[0]).toEqual(['page-1', [playlist]]);
    expect(warn.mock.calls.filter(([line]) => String(line).includes('bad-message'))).toHaveLength(1);
  });

  it("tells a page's agent at hello what the worker handed its player before; nothing else waits", async () => {
    const bridge = bridgeWith(new Set(['page-1']));
    const delivered: WorkerToPageMessage = {
      type: 'delivered',
      segment: SEGMENT,
      source: 'http',
      bytes: 1000,
      ms: 40,
    };
    expect(bridge.post('page-1', delivered)).toBe(false);
    expect(bridge.post('page-1', { type: 'segment-cancel', requestId: 3 })).toBe(false);
    const page = agent(bridge, 'page-1');
    bridge.post('page-1', { type: 'welcome', version: '0', settings: {} as never });
    bridge.replayDeliveries('page-1');
    expect(await page.nextMessage()).toMatchObject({ type: 'welcome' });
    expect(await page.nextMessage()).toEqual(delivered);
    // Told once.
    bridge.replayDeliveries('page-1');
    bridge.post('page-1', { type: 'segment-cancel', requestId: 4 });
    expect(await page.nextMessage()).toEqual({ type: 'segment-cancel', requestId: 4 });
  });

  it('bounds the requests waiting on agents', async () => {
    const bridge = bridgeWith(new Set(['page-1']), 1);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const page = agent(bridge, 'page-1');
    const first = bridge.requestSegment('page-1', SEGMENT, 5000);
    await page.nextMessage();
    expect(await bridge.requestSegment('page-1', SEGMENT, 5000)).toBeNull();
    bridge.disconnect('page-1');
    expect(await first).toBeNull();
  });

  it('a page that says hello again replaces its port; what waited on the old one goes to the network', async () => {
    const bridge = bridgeWith(new Set(['page-1']));
    const old = agent(bridge, 'page-1');
    const pending = bridge.requestSegment('page-1', SEGMENT, 5000);
    await old.nextMessage();
    const renewed = agent(bridge, 'page-1');
    expect(await pending).toBeNull();
    expect(bridge.post('page-1', { type: 'hello-request' })).toBe(true);
    expect(await renewed.nextMessage()).toEqual({ type: 'hello-request' });
  });

  it('prune forgets pages that are gone', async () => {
    const alive = new Set(['page-1', 'page-2']);
    const bridge = bridgeWith(alive);
    agent(bridge, 'page-1');
    agent(bridge, 'page-2');
    alive.delete('page-1');
    await bridge.prune();
    expect(bridge.has('page-1')).toBe(false);
    expect(bridge.has('page-2')).toBe(true);
  });
});
