/**
 * Token buckets per user and action: a user may burst up to `burst` actions,
 * refilled at `perSecond`. Shared by all of a user's sockets on this process.
 */
export type Bucket = { burst: number; perSecond: number };

export class RateLimiter {
  private readonly state = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    private readonly buckets: Readonly<Record<string, Bucket>>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; false when the user must slow down. */
  take(userId: string, action: string): boolean {
    const bucket = this.buckets[action];
    if (!bucket) throw new Error(`no rate limit bucket named ${action}`);
    const key = `${action}\u0000${userId}`;
    const now = this.now();
    const entry = this.state.get(key) ?? { tokens: bucket.burst, at: now };
    entry.tokens = Math.min(bucket.burst, entry.tokens + ((now - entry.at) / 1000) * bucket.perSecond);
    entry.at = now;
    if (entry.tokens < 1) {
      this.state.set(key, entry);
      return false;
    }
    entry.tokens -= 1;
    this.state.set(key, entry);
    // Bounded memory without a timer; at most one full scan a second however busy.
    if (this.state.size > 50_000 && now - this.lastSweep > 1000) {
      this.lastSweep = now;
      this.sweep(now);
    }
    return true;
  }

  /** Forgets buckets that have refilled completely: they behave like new ones. */
  private sweep(now: number): void {
    for (const [key, entry] of this.state) {
      const bucket = this.buckets[key.slice(0, key.indexOf("\u0000"))]!;
      if (entry.tokens + ((now - entry.at) / 1000) * bucket.perSecond >= bucket.burst) this.state.delete(key);
    }
  }
}
