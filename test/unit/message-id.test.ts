import { describe, expect, it } from "vitest";
import { createIdGenerator, idTime } from "../../server/messages/message-id.js";

describe("message ids", () => {
  it("when many are made in the same millisecond, then they still sort in creation order", () => {
    const next = createIdGenerator(() => 1_700_000_000_000);
    const ids = Array.from({ length: 1000 }, next);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(ids.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
  });

  it("when the clock steps back, then ids keep increasing", () => {
    let now = 2_000_000;
    const next = createIdGenerator(() => now);
    const a = next();
    now -= 5000;
    const b = next();
    expect(b > a).toBe(true);
  });

  it("when an id is made, then its time can be read back", () => {
    const next = createIdGenerator(() => 1_700_000_000_123);
    expect(idTime(next()).getTime()).toBe(1_700_000_000_123);
  });

  it("when asked for an id after one from a clock far ahead, then it jumps past it and never comes back below", () => {
    const next = createIdGenerator(() => 1_000_000);
    const ahead = createIdGenerator(() => 9_000_000)();
    const a = next(ahead);
    expect(a > ahead).toBe(true);
    const b = next();
    expect(b > a).toBe(true);
    expect(next("000000000000ffffffffffff") > b).toBe(true);
  });

  it("when the id to follow has the largest sequence of its millisecond, then the next one is in the following millisecond", () => {
    const next = createIdGenerator(() => 5);
    const last = "000000000010ffffff000000";
    const after = next(last);
    expect(after > last).toBe(true);
    expect(after.slice(0, 18)).toBe("000000000011000000");
  });
});
