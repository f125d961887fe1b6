import { afterEach, describe, expect, it, vi } from "vitest";
import { within } from "../../server/within.js";

describe("within", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("when the work settles in time, then its result comes back and no timer is left", async () => {
    vi.useFakeTimers();
    expect(await within(Promise.resolve("PONG"), 1000, "timeout")).toBe("PONG");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("when the work takes longer, then the fallback comes back after the given time", async () => {
    vi.useFakeTimers();
    const result = within(new Promise<string>(() => {}), 1000, "timeout");
    await vi.advanceTimersByTimeAsync(999);
    const early = await Promise.race([result, Promise.resolve("still waiting")]);
    expect(early).toBe("still waiting");
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBe("timeout");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("when the work fails in time, then the failure is passed on and no timer is left", async () => {
    vi.useFakeTimers();
    await expect(within(Promise.reject(new Error("down")), 1000, false)).rejects.toThrow("down");
    expect(vi.getTimerCount()).toBe(0);
  });
});
