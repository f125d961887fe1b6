import { describe, expect, it } from "vitest";
import { Limiter, QueueTimeoutError } from "../../server/storage/limiter.js";

describe("Limiter", () => {
  it("when more calls arrive than it allows at once, then the rest wait their turn in order", async () => {
    const limiter = new Limiter(2, 1000);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        limiter.run(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 10));
          order.push(i);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("when a call cannot start in time, then it is refused without running", async () => {
    const limiter = new Limiter(1, 30);
    let ranLate = false;
    const slow = limiter.run(() => new Promise((r) => setTimeout(r, 200)));
    const late = limiter.run(async () => {
      ranLate = true;
    });
    await expect(late).rejects.toBeInstanceOf(QueueTimeoutError);
    await slow;
    expect(ranLate).toBe(false);
    await expect(limiter.run(async () => "next")).resolves.toBe("next");
  });
});
