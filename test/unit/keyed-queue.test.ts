import { describe, expect, it } from "vitest";
import { KeyedQueue } from "../../server/storage/keyed-queue.js";

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("keyed queue", () => {
  it("when tasks share a key, then they run one at a time in order, while other keys run alongside", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const first = gate();
    const a1 = queue.run("a", async () => {
      log.push("a1 start");
      await first.opened;
      log.push("a1 end");
    });
    const a2 = queue.run("a", async () => void log.push("a2"));
    await queue.run("b", async () => void log.push("b"));
    expect(log).toEqual(["a1 start", "b"]);
    first.open();
    await Promise.all([a1, a2]);
    expect(log).toEqual(["a1 start", "b", "a1 end", "a2"]);
    // Once the pending promise callbacks have run, idle keys are forgotten.
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.size).toBe(0);
  });

  it("when a task fails, then its caller gets the error and the next task of that key still runs", async () => {
    const queue = new KeyedQueue();
    const failing = queue.run("k", async () => {
      throw new Error("boom");
    });
    const next = queue.run("k", async () => "ran");
    await expect(failing).rejects.toThrow("boom");
    expect(await next).toBe("ran");
  });
});
