// The token bucket behind the upload cap and the per-peer request limit: pacing, order, and close.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket } from '../../sw/agent/token-bucket';

afterEach(() => {
  vi.useRealTimers();
});

describe('TokenBucket', () => {
  it('allows a burst, then paces takes to the rate, first come first served', async () => {
    vi.useFakeTimers();
    const bucket = new TokenBucket(1000, 500, () => Date.now());
    expect(bucket.tryTake(500)).toBe(true);
    expect(bucket.tryTake(1)).toBe(false);
    const order: string[] = [];
    const first = bucket.take(250).then(() => order.push('first'));
    const second = bucket.take(250).then(() => order.push('second'));
    await vi.advanceTimersByTimeAsync(249);
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(order).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(250);
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });

  it('never makes a newcomer jump the queue with tryTake while others wait', async () => {
    vi.useFakeTimers();
    const bucket = new TokenBucket(1000, 100, () => Date.now());
    bucket.tryTake(100);
    const waiting = bucket.take(100);
    await vi.advanceTimersByTimeAsync(50);
    expect(bucket.tryTake(10)).toBe(false);
    await vi.advanceTimersByTimeAsync(60);
    await expect(waiting).resolves.toBe(true);
  });

  it('has no limit at an infinite rate, and refuses waiters once closed', async () => {
    const open = new TokenBucket(Number.POSITIVE_INFINITY, 1);
    expect(open.tryTake(1e9)).toBe(true);
    vi.useFakeTimers();
    const bucket = new TokenBucket(10, 10, () => Date.now());
    bucket.tryTake(10);
    const pending = bucket.take(10);
    bucket.close();
    await expect(pending).resolves.toBe(false);
    await expect(bucket.take(1)).resolves.toBe(false);
  });
});
