// The per-connection token bucket: burst, refill, the first drop reported once, and a flood.
import { describe, expect, it } from 'vitest';
import { fullBucket, takeToken } from '../../signal-server/access/rate-limiter';

describe('token bucket', () => {
  it('allows a burst, refills at the rate, reports the first drop, and a flood at a burst of debt', () => {
    const limit = { perSecond: 10, burst: 3 };
    const bucket = fullBucket(limit, 0);
    expect([0, 0, 0].map((t) => takeToken(bucket, limit, t))).toEqual(['allowed', 'allowed', 'allowed']);
    expect(takeToken(bucket, limit, 0)).toBe('limited');
    expect(takeToken(bucket, limit, 0)).toBe('dropped');
    expect(takeToken(bucket, limit, 0)).toBe('flood');
    // Debt is paid back at the rate: 0.5 s refills 5 tokens, from -3 to 2 (one spent → 1 left).
    expect(takeToken(bucket, limit, 500)).toBe('allowed');
    expect(bucket.tokens).toBeCloseTo(1);
    // Never more than a burst in hand, however long the pause.
    takeToken(bucket, limit, 1_000_000);
    expect(bucket.tokens).toBe(2);
  });
});
