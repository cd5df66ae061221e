// Per client IP: open connections (`maxConnectionsPerIp`) and one message bucket shared by all of that IP's
// connections (`maxMessagesPerSecondPerIp`), so a flood spread over many sockets is still one flood.
import type { SignalServerConfig } from '../config';
import { fullBucket, type RateLimit, type RateVerdict, type TokenBucket, takeToken } from './rate-limiter';

type Limits = Pick<SignalServerConfig, 'maxConnectionsPerIp' | 'maxMessagesPerSecondPerIp'>;

/** One entry per IP with an open connection; deleted with its last connection, so the map stays bounded. */
interface IpState extends TokenBucket {
  connections: number;
}

/** The IP bucket holds a few seconds' worth, like the per-connection one (burst 200 at 50/s). */
const BURST_SECONDS = 4;

export class IpLimits {
  private readonly byIp = new Map<string, IpState>();
  private readonly rate: RateLimit | null;

  constructor(private readonly limits: Limits) {
    const perSecond = limits.maxMessagesPerSecondPerIp;
    this.rate = perSecond > 0 ? { perSecond, burst: perSecond * BURST_SECONDS } : null;
  }

  /** The IP bucket's rate, for error messages; null when off. */
  get messageRate(): RateLimit | null {
    return this.rate;
  }

  /** Whether one more connection from `ip` is allowed (checked at the upgrade). */
  mayConnect(ip: string): boolean {
    const max = this.limits.maxConnectionsPerIp;
    return max === 0 || (this.byIp.get(ip)?.connections ?? 0) < max;
  }

  opened(ip: string, now: number): void {
    const state = this.byIp.get(ip);
    if (state) state.connections++;
    else this.byIp.set(ip, { connections: 1, ...fullBucket(this.rate ?? { perSecond: 1, burst: 1 }, now) });
  }

  closed(ip: string): void {
    const state = this.byIp.get(ip);
    if (state && --state.connections <= 0) this.byIp.delete(ip);
  }

  /**
   * Spends one message from `ip`'s shared bucket; always allowed when the per-IP rate is off. Never 'flood':
   * the debt stops at one burst, so a flood locks its IP out for seconds, not for as long as it went on,
   * and the per-connection bucket is what closes the flooding sockets.
   */
  takeMessage(ip: string, now: number): Exclude<RateVerdict, 'flood'> {
    const state = this.byIp.get(ip);
    if (!this.rate || !state) return 'allowed';
    const verdict = takeToken(state, this.rate, now);
    if (state.tokens < -this.rate.burst) state.tokens = -this.rate.burst;
    return verdict === 'flood' ? 'dropped' : verdict;
  }

  /** IPs with an open connection (for tests and metrics). */
  get size(): number {
    return this.byIp.size;
  }
}
