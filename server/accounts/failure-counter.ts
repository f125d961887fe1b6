/**
 * Counts failures (wrong passwords, failed passkeys) per key within a fixed
 * window, so that sign-in can be refused after too many. In one process the
 * counts live in memory; with Redis every node shares them (INCR with an
 * expiry), so spreading guesses over nodes gains nothing.
 */
import type { RedisClientType } from "redis";

export type FailureCount = { count: number; /** ms until the window ends */ resetsInMs: number };

export interface FailureCounter {
  /** The failures counted for each key in its current window. */
  get(keys: readonly string[]): Promise<FailureCount[]>;
  /** Counts one failure for each key; a key's window starts at its first failure. */
  add(keys: readonly string[]): Promise<void>;
}

export class MemoryFailureCounter implements FailureCounter {
  private readonly counts = new Map<string, { count: number; until: number }>();
  private sweptAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(keys: readonly string[]): Promise<FailureCount[]> {
    const now = this.now();
    return keys.map((key) => {
      const entry = this.counts.get(key);
      return entry && entry.until > now ? { count: entry.count, resetsInMs: entry.until - now } : { count: 0, resetsInMs: 0 };
    });
  }

  async add(keys: readonly string[]): Promise<void> {
    const now = this.now();
    this.sweep(now);
    for (const key of keys) {
      const entry = this.counts.get(key);
      if (entry && entry.until > now) entry.count++;
      else this.counts.set(key, { count: 1, until: now + this.windowMs });
    }
  }

  /** Drops ended windows, at most once per window, so guessing many usernames does not grow memory for good. */
  private sweep(now: number): void {
    if (now - this.sweptAt < this.windowMs) return;
    this.sweptAt = now;
    for (const [key, entry] of this.counts) if (entry.until <= now) this.counts.delete(key);
  }
}

/** The part of a node-redis client the Redis counter uses. */
type RedisCommands = Pick<RedisClientType, "multi" | "isReady">;

/**
 * Counts in Redis; while Redis cannot answer, in this node's memory (limits
 * then hold per node rather than not at all).
 */
export class RedisFailureCounter implements FailureCounter {
  private readonly fallback: MemoryFailureCounter;

  constructor(
    private readonly redis: RedisCommands,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {
    this.fallback = new MemoryFailureCounter(windowMs);
  }

  async get(keys: readonly string[]): Promise<FailureCount[]> {
    if (!this.redis.isReady) return this.fallback.get(keys);
    return this.redisGet(keys).catch(() => this.fallback.get(keys));
  }

  async add(keys: readonly string[]): Promise<void> {
    await this.fallback.add(keys);
    if (this.redis.isReady) await this.redisAdd(keys).catch(() => {});
  }

  private async redisGet(keys: readonly string[]): Promise<FailureCount[]> {
    if (keys.length === 0) return [];
    const multi = this.redis.multi();
    for (const key of keys) multi.get(this.key(key)).pTTL(this.key(key));
    const replies = (await multi.exec()) as unknown[];
    return keys.map((_, i) => {
      const count = Number(replies[2 * i] ?? 0);
      const ttl = Number(replies[2 * i + 1]);
      return ttl > 0 && count > 0 ? { count, resetsInMs: ttl } : { count: 0, resetsInMs: 0 };
    });
  }

  private async redisAdd(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const multi = this.redis.multi();
    // NX: the expiry is set by the first failure only, so the window does not slide with each one.
    for (const key of keys) multi.incr(this.key(key)).pExpire(this.key(key), this.windowMs, "NX");
    await multi.exec();
  }

  private key(key: string): string {
    return `${this.prefix}:auth-failures:${key}`;
  }
}
