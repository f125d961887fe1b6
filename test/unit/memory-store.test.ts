import { describe, expect, it } from "vitest";
import { roomChannel } from "../../server/messages/channel.js";
import { MemoryStore } from "../../server/messages/memory-store.js";
import { describeStoreContract } from "../helpers/store-contract.js";

describeStoreContract("memory", async () => new MemoryStore());

describe("MemoryStore bounds", () => {
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
