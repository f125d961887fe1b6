import { describe, expect, it } from "vitest";
import { fetchChanges, fetchNewer, gapAfter, Outbox, OutboxPump, rewindId, type KeyValueStorage, type OutboxEntry } from "../../public/src/delivery.js";
import { Channels, linesOf } from "../../public/src/channels.js";
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

  it("when an outbox is cleared, then nothing waits in it, reopened on the same storage too", () => {
    const s = storage();
    const box = new Outbox(s);
    box.add({ kind: "broadcast" }, "one", "c1");
    box.change({ kind: "delete", id: "m1" }, "c2");
    box.clear();
    expect(box.size).toBe(0);
    expect(new Outbox(s).list()).toEqual([]);
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

  describe("changes in the outbox", () => {
    const describeEntry = (e: OutboxEntry) =>
      e.kind === "message" ? `message ${e.text}` : e.kind === "edit" ? `edit ${e.id} ${e.text}` : e.kind === "delete" ? `delete ${e.id}` : `react ${e.id} ${e.emoji} ${e.on}`;

    it("when changes are queued after messages, then they keep their order and survive a reopen", () => {
      const s = storage();
      const box = new Outbox(s);
      box.add({ kind: "room", room: "r" }, "hello", "c1");
      box.change({ kind: "edit", id: "m1", text: "fixed" }, "c2");
      box.change({ kind: "react", id: "m2", emoji: "👍", on: true }, "c3");
      box.change({ kind: "delete", id: "m3" }, "c4");
      const reopened = new Outbox(s);
      expect(reopened.list().map(describeEntry)).toEqual(["message hello", "edit m1 fixed", "react m2 👍 true", "delete m3"]);
      expect(reopened.changesOf("m2").map((e) => e.clientId)).toEqual(["c3"]);
    });

    it("when an outbox stored before changes were queued is opened, then its messages load as messages and junk is dropped", () => {
      const s = storage();
      const old = [
        { clientId: "c1", target: { kind: "room", room: "r" }, text: "from before", queuedAt: "2026-01-01T00:00:00.000Z", replyTo: "x" },
        { clientId: "c2", kind: "edit", id: "m1", text: "new", queuedAt: "2026-01-01T00:00:01.000Z" },
        { clientId: "c3", kind: "launch", id: "m1" },
        { kind: "edit", id: "m1" },
        null,
      ];
      s.setItem("chat.outbox", JSON.stringify(old));
      const box = new Outbox(s);
      expect(box.list()).toEqual([
        { kind: "message", clientId: "c1", target: { kind: "room", room: "r" }, text: "from before", queuedAt: "2026-01-01T00:00:00.000Z", replyTo: "x" },
        { kind: "edit", clientId: "c2", id: "m1", text: "new", queuedAt: "2026-01-01T00:00:01.000Z" },
      ]);
    });

    it("when a message is edited twice, then only the last edit waits, in the place of the latest", () => {
      const box = new Outbox(storage());
      box.change({ kind: "edit", id: "m1", text: "one" }, "c1");
      box.change({ kind: "react", id: "m2", emoji: "👍", on: true }, "c2");
      box.change({ kind: "edit", id: "m1", text: "two" }, "c3");
      box.change({ kind: "edit", id: "m2", text: "other message" }, "c4");
      expect(box.list().map(describeEntry)).toEqual(["react m2 👍 true", "edit m1 two", "edit m2 other message"]);
    });

    it("when a reaction is given and taken back before it is sent, then nothing is left to send; the same state twice waits once", () => {
      const box = new Outbox(storage());
      expect(box.change({ kind: "react", id: "m1", emoji: "👍", on: true }, "c1")?.clientId).toBe("c1");
      expect(box.change({ kind: "react", id: "m1", emoji: "👍", on: true }, "c2")?.clientId).toBe("c1");
      box.change({ kind: "react", id: "m1", emoji: "🎉", on: false }, "c3");
      expect(box.change({ kind: "react", id: "m1", emoji: "👍", on: false }, "c4")).toBeUndefined();
      expect(box.list().map(describeEntry)).toEqual(["react m1 🎉 false"]);
    });

    it("when a message is deleted, then its queued edits and reactions are dropped, and later ones are not queued", () => {
      const box = new Outbox(storage());
      box.change({ kind: "edit", id: "m1", text: "one" }, "c1");
      box.change({ kind: "react", id: "m1", emoji: "👍", on: true }, "c2");
      box.change({ kind: "edit", id: "m2", text: "kept" }, "c3");
      box.change({ kind: "delete", id: "m1" }, "c4");
      expect(box.change({ kind: "edit", id: "m1", text: "too late" }, "c5")).toBeUndefined();
      expect(box.change({ kind: "react", id: "m1", emoji: "🎉", on: true }, "c6")).toBeUndefined();
      expect(box.change({ kind: "delete", id: "m1" }, "c7")?.clientId).toBe("c4");
      expect(box.list().map(describeEntry)).toEqual(["edit m2 kept", "delete m1"]);
    });

    it("when a change is being sent, then a later one is queued after it instead of replacing or cancelling it", () => {
      const box = new Outbox(storage());
      box.change({ kind: "react", id: "m1", emoji: "👍", on: true }, "c1");
      box.change({ kind: "edit", id: "m1", text: "one" }, "c2");
      box.sending = "c1";
      box.change({ kind: "react", id: "m1", emoji: "👍", on: false }, "c3");
      expect(box.list().map(describeEntry)).toEqual(["react m1 👍 true", "edit m1 one", "react m1 👍 false"]);
      box.sending = "c2";
      box.change({ kind: "edit", id: "m1", text: "two" }, "c4");
      box.change({ kind: "delete", id: "m1" }, "c5");
      // The edit in flight stays (its answer is still to come); everything else about m1 is moot.
      expect(box.list().map(describeEntry)).toEqual(["edit m1 one", "delete m1"]);
    });

    it("when the pump sends changes, then they go in order with the messages, retryable answers are retried and a refusal removes only that change", async () => {
      const box = new Outbox(storage());
      box.add({ kind: "room", room: "r" }, "hello", "c1");
      box.change({ kind: "edit", id: "m1", text: "fixed" }, "c2");
      box.change({ kind: "react", id: "gone", emoji: "👍", on: true }, "c3");
      box.change({ kind: "delete", id: "m2" }, "c4");
      const answers: Ack<{ message: ChatMessage }>[] = [
        { ok: true, message: msg(1) },
        { ok: false, error: { code: "UNAVAILABLE", message: "down" } },
        { ok: false, error: { code: "INTERNAL", message: "oops" } },
        { ok: true, message: { ...msg(2), text: "fixed" } },
        { ok: false, error: { code: "NOT_FOUND", message: "no such message" } },
        { ok: true, message: { ...msg(3), text: "", deletedAt: new Date(3).toISOString() } },
      ];
      const sent: string[] = [];
      const acked: string[] = [];
      const failed: string[] = [];
      const sendingWhileSent: (string | undefined)[] = [];
      const pump = new OutboxPump(
        box,
        async (e) => {
          sent.push(describeEntry(e));
          sendingWhileSent.push(box.sending);
          return answers.shift()!;
        },
        {
          acked: (e, m) => acked.push(`${describeEntry(e)} -> ${m.text}`),
          failed: (e, error) => failed.push(`${describeEntry(e)}: ${error.code}`),
        },
        () => true,
        { baseMs: 1, maxMs: 2 },
      );
      pump.kick();
      await expect.poll(() => box.size).toBe(0);
      expect(sent).toEqual(["message hello", "edit m1 fixed", "edit m1 fixed", "edit m1 fixed", "react gone 👍 true", "delete m2"]);
      expect(sendingWhileSent).toEqual(["c1", "c2", "c2", "c2", "c3", "c4"]);
      expect(box.sending).toBeUndefined();
      expect(acked).toEqual(["message hello -> m1", "edit m1 fixed -> fixed", "delete m2 -> "]);
      expect(failed).toEqual(["react gone 👍 true: NOT_FOUND"]);
    });
  });

  describe("a message with changes still queued", () => {
    const setUp = () => {
      const channels = new Channels();
      const channel = channels.open("room:r", { kind: "room", title: "# r", room: "r" });
      const first = { ...msg(1), from: { userId: "me", name: "me", socketId: "s" }, reactions: [{ emoji: "👍", userIds: ["u"] }] };
      const second = { ...msg(2), from: { userId: "me", name: "me", socketId: "s" } };
      channels.add(channel, [first, second]);
      return { channels, channel, first, second, box: new Outbox(storage()) };
    };

    it("when an edit, a reaction and a deletion wait, then the lines show them applied and say which are pending", () => {
      const { channel, first, second, box } = setUp();
      box.add({ kind: "room", room: "r" }, "new message", "c0");
      box.add({ kind: "room", room: "other" }, "elsewhere", "c00");
      box.change({ kind: "edit", id: first.id, text: "fixed" }, "c1");
      box.change({ kind: "react", id: first.id, emoji: "👍", on: true }, "c2");
      box.change({ kind: "react", id: first.id, emoji: "🎉", on: true }, "c3");
      box.change({ kind: "delete", id: second.id }, "c4");
      box.change({ kind: "edit", id: "not-held-here", text: "x" }, "c5");
      const lines = linesOf(channel, box.list(), false, "me");
      expect(lines).toHaveLength(3);
      const [one, two, queued] = lines;
      expect(one).toMatchObject({
        type: "message",
        message: { id: first.id, text: "fixed", reactions: [{ emoji: "👍", userIds: ["u", "me"] }, { emoji: "🎉", userIds: ["me"] }] },
        pending: { edit: true, delete: false, reactions: ["👍", "🎉"] },
      });
      expect(one?.type === "message" && one.message.editedAt).toBeTruthy();
      expect(one?.type === "message" && one.message.rev).not.toBe(first.rev);
      expect(two).toMatchObject({ type: "message", message: { id: second.id, text: "", reactions: [] }, pending: { delete: true } });
      expect(two?.type === "message" && two.message.deletedAt).toBeTruthy();
      expect(queued).toMatchObject({ type: "pending", clientId: "c0", text: "new message", offline: true });
      // What is held is untouched: the server's answer replaces it, a refusal leaves it as it was.
      expect(channel.messages.get(first.id)).toEqual(first);
    });

    it("when a queued reaction takes back one's own, then it disappears from the shown message, and the line is plain once the queue is empty", () => {
      const { channel, first, box } = setUp();
      channel.messages.set(first.id, { ...first, reactions: [{ emoji: "👍", userIds: ["me"] }] });
      box.change({ kind: "react", id: first.id, emoji: "👍", on: false }, "c1");
      const [line] = linesOf(channel, box.list(), true, "me");
      expect(line).toMatchObject({ type: "message", message: { reactions: [] }, pending: { reactions: ["👍"] } });
      box.remove("c1");
      const [plain] = linesOf(channel, box.list(), true, "me");
      expect(plain).toEqual({ type: "message", message: channel.messages.get(first.id) });
      channel.refused.set(first.id, { change: { kind: "react", id: first.id, emoji: "👍", on: false }, code: "NOT_FOUND" });
      const [noted] = linesOf(channel, box.list(), true, "me");
      expect(noted).toEqual({ type: "message", message: channel.messages.get(first.id), refused: { change: { kind: "react", id: first.id, emoji: "👍", on: false }, code: "NOT_FOUND" } });
    });
  });
});
