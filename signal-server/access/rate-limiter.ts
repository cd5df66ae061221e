// Token bucket for messages per connection, kept as two numbers on the connection's own state:
// no timer and no object per socket; the bucket refills lazily when a message arrives.

export interface TokenBucket {
  /** Tokens left; negative = debt run up by messages sent while empty (each one was dropped). */
  tokens: number;
  /** When `tokens` was last brought up to date (ms, same clock as `now`). */
  refilledAt: number;
}

/**
 * allowed: process the message. limited: drop it; the bucket just ran dry, tell the sender once.
 * dropped: drop it silently (already told). flood: the debt reached a whole burst; close the connection.
 */
export type RateVerdict = 'allowed' | 'limited' | 'dropped' | 'flood';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export function fullBucket(limit: RateLimit, now: number): TokenBucket {
  return { tokens: limit.burst, refilledAt: now };
}

/** Spends one token for a message arriving at `now`. */
export function takeToken(bucket: TokenBucket, limit: RateLimit, now: number): RateVerdict {
  const elapsed = now - bucket.refilledAt;
  if (elapsed > 0) {
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsed * limit.perSecond) / 1000);
    bucket.refilledAt = now;
  }
  const before = bucket.tokens;
  bucket.tokens = before - 1;
  if (bucket.tokens >= 0) return 'allowed';
  if (bucket.tokens <= -limit.burst) return 'flood';
  return before >= 0 ? 'limited' : 'dropped';
}
