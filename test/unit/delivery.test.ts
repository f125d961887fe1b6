import { describe, expect, it } from "vitest";
import { fetchChanges, fetchNewer, gapAfter, Outbox, OutboxPump, rewindId, type KeyValueStorage } from "../../public/src/delivery.js";
import type { Ack, ChatMessage, Page } from "../../server/protocol.js";

const storage = (): KeyValueStorage => {
  const data = new Map<string, string>();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
};
const hex = (ms: number, seq = 0) => ms.toString(16).padStart(12, "0") + seq.toString(16).padStart(6, "0") + "abcdef";
const msg = (ms: number, seq = 0): ChatMessage => ({
  id: hex(ms, seq),
  rev: hex(ms, seq),
  kind: "room",
  room: "r",
  from: { userId: "u", name: "u", socketId: "s" },
  text: `m${ms}`,
  createdAt: new Date(ms).toISOString(),
});

describe("client delivery", () => {
  it("when an outbox is reopened on the same storage, then its queue is still there in order", () => {
    const s = storage();
    const box = new Outbox(s);
    box.add({ kind: "broadcast" }, "one", "c1");
    box.add({ kind: "room", room: "r" }, "two", "c2");
    expect(new Outbox(s).list().map((e) => e.clientId)).toEqual(["c1", "c2"]);
  });

  it("when the server answers retryable errors, then the pump retries the same message and keeps the order", async () => {
    const box = new Outbox(storage());
    box.add({ kind: "broadcast" }, "one", "c1");
    box.add({ kind: "broadcast" }, "two", "c2");
    const answers: Ack<{ message: ChatMessage }>[] = [
      { ok: false, error: { code: "UNAVAILABLE", message: "down" } },
      { ok: false, error: { code: "RATE_LIMITED", message: "slow" } },
      { ok: true, message: msg(1) },
      { ok: false, error: { code: "NOT_IN_ROOM", message: "gone" } },
    ];
    const sent: string[] = [];
    const acked: string[] = [];
    const failed: string[] = [];
    const pump = new OutboxPump(
      box,
      async (e) => {
        sent.push(e.clientId);
        return answers.shift()!;
      },
      { acked: (e) => acked.push(e.clientId), failed: (e) => failed.push(e.clientId) },
      () => true,
      { baseMs: 1, maxMs: 2 },
    );
    pump.kick();
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toEqual(["c1", "c1", "c1", "c2"]);
    expect(acked).toEqual(["c1"]);
    expect(failed).toEqual(["c2"]);
    expect(box.size).toBe(0);
  });

  it("when more pages were missed than the cap, then fetchNewer says it is incomplete", async () => {
    const all = Array.from({ length: 500 }, (_, i) => msg(1_000_000 + i * 1000));
    const history = async (q: { after?: string; limit?: number }): Promise<Ack<Page>> => {
      const rest = all.filter((m) => m.id > (q.after ?? ""));
      return { ok: true, messages: rest.slice(0, q.limit ?? 50), hasMore: rest.length > (q.limit ?? 50) };
    };
    const capped = await fetchNewer(history, { room: "r" }, all[0]!.id, 2);
    expect(capped).toMatchObject({ ok: true, complete: false });
    const whole = await fetchNewer(history, { room: "r" }, all[0]!.id);
    expect(whole.ok && whole.complete && whole.messages.length).toBe(500);
  });

  it("when the newest page reaches back past the catch-up point, then there is no gap to fetch", () => {
    const last = msg(100_000).id;
    expect(rewindId(last, 10_000) < last).toBe(true);
    const page = Array.from({ length: 50 }, (_, i) => msg(85_000 + i * 300));
    expect(gapAfter(page, last, 50)).toBe(false);
    const later = Array.from({ length: 50 }, (_, i) => msg(200_000 + i));
    expect(gapAfter(later, last, 50)).toBe(true);
    expect(gapAfter(later.slice(0, 10), last, 50)).toBe(false);
  });

  it("when changes are fetched, then every page is read, a message changed twice comes once in its latest state, in rev order", async () => {
    const base = 5_000_000;
    // Messages with their revs; m1 changes again between the reader's pages.
    const feed: ChatMessage[] = Array.from({ length: 250 }, (_, i) => ({ ...msg(base + i), rev: hex(base + 20_000 + i) }));
    let calls = 0;
    const history = async (q: { changedAfter: string; limit?: number }): Promise<Ack<Page>> => {
      if (calls++ === 1) feed.push({ ...feed[1]!, text: "edited", rev: hex(base + 90_000) });
      const rest = feed.filter((m) => m.rev > q.changedAfter).sort((a, b) => (a.rev < b.rev ? -1 : 1));
      const limit = q.limit ?? 50;
      return { ok: true, messages: rest.slice(0, limit), hasMore: rest.length > limit };
    };
    const res = await fetchChanges(history, { room: "r" }, hex(base + 20_000 - 1));
    expect(res.ok && res.complete).toBe(true);
    if (!res.ok) return;
    expect(res.messages).toHaveLength(250);
    expect(new Set(res.messages.map((m) => m.id)).size).toBe(250);
    expect(res.messages.find((m) => m.id === feed[1]!.id)?.text).toBe("edited");
    expect(res.messages.map((m) => m.rev)).toEqual(res.messages.map((m) => m.rev).sort());
    const capped = await fetchChanges(history, { room: "r" }, hex(base), 1);
    expect(capped).toMatchObject({ ok: true, complete: false });
    const refused = await fetchChanges(async () => ({ ok: false, error: { code: "UNAVAILABLE", message: "down" } }), { room: "r" }, hex(base));
    expect(refused).toEqual({ ok: false, error: { code: "UNAVAILABLE", message: "down" } });
  });
});
