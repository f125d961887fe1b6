/**
 * The behaviour every MessageStore must have. Run against each store with
 * `describeStoreContract(name, makeStore)`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { directChannel, roomChannel } from "../../server/messages/channel.js";
import { createIdGenerator } from "../../server/messages/message-id.js";
import type { MessageStore, StoredMessage } from "../../server/messages/store.js";

const alice = { userId: "aliceAAAAAAAAAAA", name: "alice", socketId: "sockA" };
const bob = { userId: "bobBBBBBBBBBBBBB", name: "bob", socketId: "sockB" };

export function describeStoreContract(name: string, makeStore: () => Promise<MessageStore>): void {
  describe(`${name} store contract`, () => {
    let store: MessageStore;
    const ids = createIdGenerator();
    const roomMessage = (text: string, extra: Partial<StoredMessage> = {}): StoredMessage => {
      const id = ids();
      return {
        id,
        kind: "room",
        room: "chat",
        from: alice,
        text,
        createdAt: new Date().toISOString(),
        channel: roomChannel("chat"),
        key: `srv-${id}`,
        ...extra,
      };
    };

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    it("when initialised, then it reports ready", async () => {
      expect(await store.isReady()).toBe(true);
    });

    it("when a message is inserted, then a page returns it with every field intact", async () => {
      const m = roomMessage("héllo 你好 <b>x</b>", { clientId: "c1", key: "c1" });
      const res = await store.insert(m);
      expect(res.created).toBe(true);
      const { channel: _c, key: _k, ...expected } = m;
      expect(res.message).toEqual(expected);
      const page = await store.page({ channel: m.channel, limit: 10 });
      expect(page).toEqual({ messages: [expected], hasMore: false });
    });

    it("when the same sender repeats a key, then the original is returned and nothing new is stored", async () => {
      const first = await store.insert(roomMessage("one", { clientId: "k1", key: "k1" }));
      const again = await store.insert(roomMessage("two", { clientId: "k1", key: "k1" }));
      expect(again.created).toBe(false);
      expect(again.message).toEqual(first.message);
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages).toHaveLength(1);
    });

    it("when looking a message up by sender and key, then only that sender's message is found", async () => {
      const stored = await store.insert(roomMessage("findable", { clientId: "f1", key: "f1" }));
      expect(await store.findByKey(alice.userId, "f1")).toEqual(stored.message);
      expect(await store.findByKey(bob.userId, "f1")).toBeUndefined();
      expect(await store.findByKey(alice.userId, "nope")).toBeUndefined();
    });

    it("when two senders use the same key, then both messages are stored", async () => {
      await store.insert(roomMessage("a", { key: "same" }));
      const other = await store.insert(roomMessage("b", { key: "same", from: bob }));
      expect(other.created).toBe(true);
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages).toHaveLength(2);
    });

    it("when retries race, then exactly one message is stored", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.insert(roomMessage("race", { clientId: "r1", key: "r1" }))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages).toHaveLength(1);
    });

    it("when paging with before, then pages are oldest-first, strictly older, and hasMore is exact", async () => {
      const sent: string[] = [];
      for (let i = 0; i < 25; i++) sent.push((await store.insert(roomMessage(`m${i}`))).message.id);
      const newest = await store.page({ channel: roomChannel("chat"), limit: 10 });
      expect(newest.messages.map((m) => m.id)).toEqual(sent.slice(15));
      expect(newest.hasMore).toBe(true);
      const middle = await store.page({ channel: roomChannel("chat"), before: sent[15], limit: 10 });
      expect(middle.messages.map((m) => m.id)).toEqual(sent.slice(5, 15));
      expect(middle.hasMore).toBe(true);
      const oldest = await store.page({ channel: roomChannel("chat"), before: sent[5], limit: 10 });
      expect(oldest.messages.map((m) => m.id)).toEqual(sent.slice(0, 5));
      expect(oldest.hasMore).toBe(false);
    });

    it("when paging with after, then pages are oldest-first, strictly newer, and hasMore is exact", async () => {
      const sent: string[] = [];
      for (let i = 0; i < 25; i++) sent.push((await store.insert(roomMessage(`m${i}`))).message.id);
      const first = await store.page({ channel: roomChannel("chat"), after: sent[4], limit: 10 });
      expect(first.messages.map((m) => m.id)).toEqual(sent.slice(5, 15));
      expect(first.hasMore).toBe(true);
      const last = await store.page({ channel: roomChannel("chat"), after: sent[14], limit: 10 });
      expect(last.messages.map((m) => m.id)).toEqual(sent.slice(15, 25));
      expect(last.hasMore).toBe(false);
      const none = await store.page({ channel: roomChannel("chat"), after: sent[24], limit: 10 });
      expect(none).toEqual({ messages: [], hasMore: false });
    });

    it("when channels differ, then pages never mix them", async () => {
      await store.insert(roomMessage("in chat"));
      await store.insert(roomMessage("in study", { room: "study", channel: roomChannel("study") }));
      const dm = directChannel(alice.userId, bob.userId);
      await store.insert(roomMessage("private", { kind: "private", channel: dm, to: bob }));
      expect((await store.page({ channel: roomChannel("chat"), limit: 10 })).messages.map((m) => m.text)).toEqual([
        "in chat",
      ]);
      const both = await store.page({ channel: directChannel(bob.userId, alice.userId), limit: 10 });
      expect(both.messages.map((m) => m.text)).toEqual(["private"]);
      expect(both.messages[0]?.to).toEqual(bob);
    });

    it("when rooms are added twice, then they are listed once, in creation order", async () => {
      await store.addRoom("zeta");
      await store.addRoom("alpha");
      await store.addRoom("zeta");
      expect(await store.listRooms()).toEqual(["zeta", "alpha"]);
    });
  });
}
