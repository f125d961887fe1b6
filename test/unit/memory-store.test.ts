import { describe, expect, it } from "vitest";
import { roomChannel } from "../../server/messages/channel.js";
import { MemoryStore } from "../../server/messages/memory-store.js";
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
