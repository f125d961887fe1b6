import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../server/socketio/rate-limit.js";

describe("RateLimiter", () => {
  it("when a user exceeds the burst, then it is refused until tokens refill", () => {
    let now = 0;
    const limiter = new RateLimiter({ send: { burst: 3, perSecond: 1 } }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take("u1", "send"))).toEqual([true, true, true, false]);
    expect(limiter.take("u2", "send")).toBe(true);
    now += 1000;
    expect(limiter.take("u1", "send")).toBe(true);
    expect(limiter.take("u1", "send")).toBe(false);
  });
});
