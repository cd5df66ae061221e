// The agent's hash messages to the signal server: batched queries within the server's bound, no repeat while an
// answer may come, asked again later and after a reconnect; votes and peer reports as they happen.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HashClientMessage } from '../../protocol/signaling/hash-messages';
import { MAX_QUERY_SEGMENTS } from '../../protocol/signaling/hash-messages';
import { HashExchange } from '../../sw/agent/hash-exchange';

let sent: HashClientMessage[];
let online: boolean;
let exchange: HashExchange;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  online = true;
  exchange = new HashExchange({
    now: () => Date.now(),
    send: (message) => {
      if (online) sent.push(message);
      return online;
    },
  });
});

afterEach(() => {
  exchange.destroy();
  vi.useRealTimers();
});

const queried = () =>
  sent.flatMap((message) => (message.type === 'SEGMENT-HASH-QUERY' ? [message.payload.segments] : []));

describe('HashExchange', () => {
  it('batches a burst of wants into queries of at most the server bound, per swarm', async () => {
    for (let index = 0; index < MAX_QUERY_SEGMENTS + 6; index++) exchange.want('a', `seg-${index}`);
    exchange.want('b', 'other');
    exchange.want('a', 'seg-0');
    expect(sent).toEqual([]);
    expect(exchange.awaiting('a'), 'batched: its answer is as good as on the way').toBe(true);
    expect(exchange.awaiting('c')).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(queried().map((segments) => segments.length)).toEqual([MAX_QUERY_SEGMENTS, 6, 1]);
    expect(exchange.awaiting('a')).toBe(true);
    exchange.answered('a', []);
    expect(exchange.awaiting('a')).toBe(false);
  });

  it('does not ask again while an answer may still come, but does after a while and after a reconnect', async () => {
    exchange.want('a', 'seg-1');
    await vi.advanceTimersByTimeAsync(50);
    exchange.want('a', 'seg-1');
    await vi.advanceTimersByTimeAsync(50);
    expect(queried()).toEqual([['seg-1']]);
    await vi.advanceTimersByTimeAsync(500);
    expect(exchange.awaiting('a'), 'gives up waiting for the answer').toBe(false);
    exchange.reconnected();
    expect(queried()).toEqual([['seg-1'], ['seg-1']]);
    await vi.advanceTimersByTimeAsync(30_000);
    exchange.want('a', 'seg-1');
    await vi.advanceTimersByTimeAsync(50);
    expect(queried()).toHaveLength(3);
    exchange.answered('a', [{ segment: 'seg-1', source: 'swarm' }]);
    exchange.reconnected();
    expect(queried(), 'answered: nothing to ask again').toHaveLength(3);
  });

  it("knows a swarm the signal server's hash service answers for once an origin hash came, until it is left", () => {
    exchange.answered('a', [{ segment: 'seg-1', source: 'swarm' }]);
    expect(exchange.servesOriginHashes('a')).toBe(false);
    exchange.answered('a', [{ segment: 'seg-2', source: 'origin' }]);
    expect(exchange.servesOriginHashes('a')).toBe(true);
    expect(exchange.servesOriginHashes('b')).toBe(false);
    exchange.forgetSwarm('a');
    expect(exchange.servesOriginHashes('a')).toBe(false);
  });

  it('sends votes and peer reports, reasons cut to the server bound', () => {
    exchange.report('a', 'seg-1', 10, 'c'.repeat(64));
    exchange.reportPeer('a', 'peer-x', 'x'.repeat(500));
    expect(sent[0]).toEqual({
      type: 'SEGMENT-HASH',
      payload: { swarm: 'a', segment: 'seg-1', size: 10, sha256: 'c'.repeat(64) },
    });
    expect(sent[1]?.type === 'PEER-REPORT' && sent[1].payload.reason.length).toBe(200);
  });
});
