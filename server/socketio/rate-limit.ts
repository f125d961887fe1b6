/**
 * Token buckets per user and action: a user may burst up to `burst` actions,
 * refilled at `perSecond`. Shared by all of a user's sockets on this process.
 */
import type { Config } from "../config.js";

export type Bucket = { burst: number; perSecond: number };

/**
 * The server's limits: a bucket per user for each kind of action, and —
 * because new identities cost nothing — the same buckets `perIpFactor`
 * times larger per address (`<action>@ip`), shared by its users.
 */
export function createRateLimiter(rateLimit: Config["rateLimit"]): RateLimiter {
  const perUser: Record<string, Bucket> = {
    send: { burst: rateLimit.burst, perSecond: rateLimit.perSecond },
    // Edits, deletions and reactions: limited like sends, in a bucket of their own.
    change: { burst: rateLimit.burst, perSecond: rateLimit.perSecond },
    join: { burst: 20, perSecond: 2 },
    history: { burst: 30, perSecond: 5 },
    typing: { burst: 20, perSecond: 4 },
    rooms: { burst: 20, perSecond: 2 },
    // Paging through a big room's people, 100 at a time.
    members: { burst: 30, perSecond: 5 },
    search: { burst: 30, perSecond: 5 },
    read: { burst: 30, perSecond: 5 },
  };
  const factor = rateLimit.perIpFactor;
  const perIp = Object.fromEntries(
    Object.entries(perUser).map(([action, b]) => [`${action}@ip`, { burst: b.burst * factor, perSecond: b.perSecond * factor }]),
  );
  return new RateLimiter({ ...perUser, ...perIp });
}

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
