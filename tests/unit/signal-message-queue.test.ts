// Messages held for absent peers: bounded per destination and in total, handed over in order, expired by age.
import { describe, expect, it } from 'vitest';
import { MessageQueue } from '../../signal-server/peerjs/message-queue';

describe('message queue', () => {
  const message = (dst: string, queuedAt: number, src = 'alice') =>
    ({ src, dst, type: 'OFFER', text: '{}', queuedAt }) as const;

  it('bounds per destination and in total, hands over in order, and expires by age', () => {
    const queue = new MessageQueue({ maxPerPeer: 2, maxTotal: 3, maxTotalChars: 1_000, timeoutMs: 100 });
    expect(queue.enqueue(message('a', 0))).toBe('queued');
    expect(queue.enqueue(message('a', 10, 'bob'))).toBe('queued');
    expect(queue.enqueue(message('a', 20))).toBe('peer-full');
    expect(queue.enqueue(message('b', 50))).toBe('queued');
    expect(queue.enqueue(message('c', 60))).toBe('total-full');
    expect(queue.expire(105).map((m) => m.queuedAt)).toEqual([0]);
    expect(queue.size).toBe(2);
    expect(queue.take('a').map((m) => m.queuedAt)).toEqual([10]);
    expect(queue.take('a')).toEqual([]);
    expect(queue.expire(1_000).map((m) => m.dst)).toEqual(['b']);
    expect(queue.size).toBe(0);
  });

  it('expires all messages of one sender to one destination together, when the oldest times out', () => {
    const queue = new MessageQueue({ maxPerPeer: 10, maxTotal: 10, maxTotalChars: 1_000, timeoutMs: 100 });
    queue.enqueue(message('ghost', 0, 'alice'));
    queue.enqueue(message('ghost', 50, 'bob'));
    queue.enqueue(message('ghost', 90, 'alice'));
    expect(queue.expire(100).map((m) => [m.src, m.queuedAt])).toEqual([
      ['alice', 0],
      ['alice', 90],
    ]);
    expect(queue.take('ghost').map((m) => m.src)).toEqual(['bob']);
  });

  it('bounds the text held in total, so large messages for absent ids cannot pile up memory', () => {
    const queue = new MessageQueue({ maxPerPeer: 100, maxTotal: 100, maxTotalChars: 10_000, timeoutMs: 100 });
    const big = (dst: string) =>
      ({ src: 'mallory', dst, type: 'OFFER', text: 'x'.repeat(4_000), queuedAt: 0 }) as const;
    expect([queue.enqueue(big('a')), queue.enqueue(big('b')), queue.enqueue(big('c'))]).toEqual([
      'queued',
      'queued',
      'total-full',
    ]);
    queue.take('a');
    expect(queue.enqueue(big('c'))).toBe('queued');
    queue.expire(1_000);
    expect([queue.enqueue(big('d')), queue.enqueue(big('e'))]).toEqual(['queued', 'queued']);
  });
});
