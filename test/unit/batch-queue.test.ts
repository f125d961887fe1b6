import { describe, expect, it } from "vitest";
import { BatchQueue } from "../../server/storage/batch-queue.js";

const ok = <R>(value: R): PromiseSettledResult<R> => ({ status: "fulfilled", value });

/** A queue whose writes wait until the test lets each one finish; records every batch. */
function gatedQueue(max: number) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const queue = new BatchQueue<number, number>(async (items) => {
    batches.push(items);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((n) => ok(n * 10));
  }, max);
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return { queue, batches, releaseNext: () => releases.shift()?.(), turn };
}

describe("batch queue", () => {
  it("when items are pushed in one turn, then they go out together at the end of it; those pushed while it is in flight go in the next", async () => {
    const { queue, batches, releaseNext, turn } = gatedQueue(100);
    const first = [1, 2, 3].map((n) => queue.push(n));
    expect(batches).toEqual([]);
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    const second = [4, 5].map((n) => queue.push(n));
    await turn();
    // One batch at a time: 4 and 5 wait for the first to be written.
    expect(batches).toEqual([[1, 2, 3]]);
    expect(queue.pending).toBe(2);
    releaseNext();
    expect(await Promise.all(first)).toEqual([10, 20, 30]);
    await turn();
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
    releaseNext();
    expect(await Promise.all(second)).toEqual([40, 50]);
    // Idle again: the next item goes out on its own at the end of its turn.
    const third = queue.push(6);
    await turn();
    expect(batches.at(-1)).toEqual([6]);
    releaseNext();
    expect(await third).toBe(60);
  });

  it("when more items wait than a batch holds, then they go in order in batches of at most that many", async () => {
    const { queue, batches, releaseNext, turn } = gatedQueue(4);
    const all = Array.from({ length: 10 }, (_, i) => queue.push(i));
    for (let started = 1; started <= 3; started++) {
      while (batches.length < started) await turn();
      releaseNext();
    }
    expect(await Promise.all(all)).toEqual(Array.from({ length: 10 }, (_, i) => i * 10));
    expect(batches).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  it("when batches follow each other, then each starts no sooner than the gap after the one before; after a quiet spell an item goes at once", async () => {
    const starts: number[] = [];
    const queue = new BatchQueue<number, number>(async (items) => {
      starts.push(performance.now());
      return items.map(ok);
    }, 100, 40);
    await queue.push(1);
    // Pushed while the queue is still within the gap: they wait for it, and go together.
    const next = [2, 3].map((n) => queue.push(n));
    expect(await Promise.all(next)).toEqual([2, 3]);
    expect(starts).toHaveLength(2);
    // Timers may fire a millisecond or two early by performance.now().
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(35);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const pushedAt = performance.now();
    await queue.push(4);
    expect(starts[2]! - pushedAt).toBeLessThan(20);
  });

  it("when one item of a batch is refused, then only its push rejects; when a write throws, every item of that batch rejects and the next batch still goes", async () => {
    let fail = false;
    const queue = new BatchQueue<string, string>(async (items) => {
      if (fail) throw new Error("connection lost");
      return items.map((s) => (s === "bad" ? { status: "rejected", reason: new Error(`refused ${s}`) } : ok(s.toUpperCase())));
    }, 10);
    const outcomes = await Promise.allSettled(["a", "bad", "c"].map((s) => queue.push(s)));
    expect(outcomes).toEqual([ok("A"), { status: "rejected", reason: new Error("refused bad") }, ok("C")]);
    fail = true;
    const failed = await Promise.allSettled(["d", "e"].map((s) => queue.push(s)));
    expect(failed.map((o) => o.status === "rejected" && (o.reason as Error).message)).toEqual(["connection lost", "connection lost"]);
    fail = false;
    expect(await queue.push("f")).toBe("F");
  });

  it("when a write answers fewer outcomes than items, then the items without one reject instead of hanging", async () => {
    const queue = new BatchQueue<number, number>(async (items) => items.slice(1).map(ok), 10);
    const outcomes = await Promise.allSettled([1, 2].map((n) => queue.push(n)));
    expect(outcomes[0]).toEqual(ok(2));
    expect(outcomes[1]!.status).toBe("rejected");
  });

  it("when a batch size below one or a negative gap is asked for, then it refuses to be made", () => {
    expect(() => new BatchQueue<number, number>(async (items) => items.map(ok), 0)).toThrow(/at least one/);
    expect(() => new BatchQueue<number, number>(async (items) => items.map(ok), 1, -1)).toThrow(/duration/);
  });
});
