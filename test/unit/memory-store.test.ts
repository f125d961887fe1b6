import { describe, expect, it } from "vitest";
import { roomChannel } from "../../server/messages/channel.js";
import { MemoryStore } from "../../server/messages/memory-store.js";
import { copyStored, toChatMessage, type StoredMessage } from "../../server/messages/store.js";
import { describePeopleStoreContract } from "../helpers/people-store-contract.js";
import { describeStoreContract } from "../helpers/store-contract.js";

describeStoreContract("memory", async () => new MemoryStore());
describePeopleStoreContract("memory", async () => new MemoryStore());

describe("MemoryStore bounds", () => {
  const message = (i: number, channel: string) => ({
    id: i.toString(16).padStart(24, "0"),
    kind: "room" as const,
    room: channel,
    from: { userId: "u", name: "u", socketId: "s" },
    text: `m${i}`,
    createdAt: new Date().toISOString(),
    channel: roomChannel(channel),
    key: `k${i}`,
  });

  it("when the total cap is passed, then the least recently written channel loses its oldest messages", async () => {
    const store = new MemoryStore(100, 1000);
    for (let i = 0; i < 600; i++) await store.insert(message(i, "old"));
    for (let i = 600; i < 1200; i++) await store.insert(message(i, "new"));
    const old = await store.page({ channel: roomChannel("old"), limit: 100, after: "0".repeat(24) });
    const fresh = await store.page({ channel: roomChannel("new"), limit: 100 });
    // Per-channel cap first: each keeps at most 100; the total of 200 is under 1000.
    expect(old.messages[0]?.text).toBe("m500");
    expect(fresh.messages.at(-1)?.text).toBe("m1199");
    const tight = new MemoryStore(1000, 150);
    for (let i = 0; i < 100; i++) await tight.insert(message(i, "a"));
    for (let i = 100; i < 200; i++) await tight.insert(message(i, "b"));
    const a = await tight.page({ channel: roomChannel("a"), limit: 100, after: "0".repeat(24) });
    const b = await tight.page({ channel: roomChannel("b"), limit: 100, after: "0".repeat(24) });
    expect(a.messages).toHaveLength(50);
    expect(a.messages[0]?.text).toBe("m50");
    expect(b.messages).toHaveLength(100);
    expect(await tight.findByKey("u", "k0")).toBeUndefined();
  });

  it("when a channel exceeds its cap, then the oldest messages are dropped with their keys", async () => {
    const store = new MemoryStore(100);
    for (let i = 0; i < 150; i++) {
      const id = i.toString(16).padStart(24, "0");
      await store.insert({
        id,
        kind: "room",
        room: "chat",
        from: { userId: "u", name: "u", socketId: "s" },
        text: `m${i}`,
        createdAt: new Date().toISOString(),
        channel: roomChannel("chat"),
        key: `k${i}`,
      });
    }
    const page = await store.page({ channel: roomChannel("chat"), limit: 100 });
    expect(page.messages[0]?.text).toBe("m50");
    expect(page.hasMore).toBe(false);
  });
});

describe("message copies", () => {
  // Every field set: `Required` makes this fail to compile when ChatMessage gains a field.
  const full: Required<StoredMessage> = {
    id: "0".repeat(23) + "1",
    kind: "private",
    room: "chat",
    from: { userId: "a", name: "Ann", socketId: "s1" },
    to: { userId: "b", name: "Bo", socketId: "s2" },
    text: "hello",
    createdAt: "2026-11-23T10:00:00.000Z",
    clientId: "c-1",
    mentions: ["b"],
    rev: "0".repeat(23) + "2",
    editedAt: "2026-11-23T10:01:00.000Z",
    deletedAt: "2026-11-23T10:02:00.000Z",
    reactions: [
      { emoji: "👍", userIds: ["b"] },
      { emoji: "🎉", userIds: [] },
    ],
    replyTo: { id: "0".repeat(24), from: { userId: "b", name: "Bo", socketId: "s2" }, text: "hi" },
    channel: "dm:a:b",
    key: "c-1",
    terms: ["hello"],
  };

  it("when a stored message is copied for clients, then every client field is copied deeply and storage fields are left out", () => {
    const { channel: _c, key: _k, terms: _t, ...client } = full;
    const copy = toChatMessage(full);
    expect(copy).toStrictEqual({ ...client, reactions: [{ emoji: "👍", userIds: ["b"] }] });
    expect(copy.from).not.toBe(full.from);
    expect(copy.to).not.toBe(full.to);
    expect(copy.mentions).not.toBe(full.mentions);
    expect(copy.reactions![0]!.userIds).not.toBe(full.reactions[0]!.userIds);
    expect(copy.replyTo!.from).not.toBe(full.replyTo.from);
  });

  it("when a stored message is copied whole, then storage fields and emptied reactions are kept, nothing shared", () => {
    const copy = copyStored(full);
    expect(copy).toStrictEqual(full);
    expect(copy.terms).not.toBe(full.terms);
    expect(copy.reactions).not.toBe(full.reactions);
  });

  it("when optional fields are absent, then the copy has no such keys", () => {
    const { room: _r, to: _to, clientId: _c, mentions: _m, editedAt: _e, deletedAt: _d, reactions: _x, replyTo: _y, terms: _t, ...bare } = full;
    expect(Object.keys(copyStored(bare)).sort()).toEqual(Object.keys(bare).sort());
  });
});
