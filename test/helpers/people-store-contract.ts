/**
 * The protocol v1.1 behaviour every store must have: people, conversation
 * summaries, read markers, unread counts and the terms index. Run against each
 * store with `describePeopleStoreContract(name, makeStore)`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { directChannel, roomChannel } from "../../server/messages/channel.js";
import { createIdGenerator } from "../../server/messages/message-id.js";
import { searchMatcher, searchTerms } from "../../server/messages/search-terms.js";
import type { MessageStore, NewMessage } from "../../server/messages/store.js";
import { roomMessageBuilder } from "./messages.js";

const alice = { userId: "aliceAAAAAAAAAAA", name: "alice", socketId: "sockA" };
const bob = { userId: "bobBBBBBBBBBBBBB", name: "bob", socketId: "" };

export function describePeopleStoreContract(name: string, makeStore: () => Promise<MessageStore>): void {
  describe(`${name} store: people and search`, () => {
    let store: MessageStore;
    const ids = createIdGenerator();
    const build = roomMessageBuilder(alice);
    // With the search terms the message service stores.
    const message = (text: string, extra: Partial<NewMessage> = {}) => build(text, { terms: searchTerms(text), ...extra });

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    it("when a user is seen twice, then the newest name and the latest time are kept", async () => {
      const later = new Date(Date.now() + 60_000);
      await store.people.upsertUser("u1", "first", later);
      await store.people.upsertUser("u1", "second", new Date());
      expect(await store.people.findUsers(["u1", "nobody"])).toEqual([
        { userId: "u1", name: "second", lastSeen: later.toISOString() },
      ]);
    });

    it("when read markers race, then the greatest wins and an older one never moves it back", async () => {
      const marks = Array.from({ length: 8 }, () => ids());
      await Promise.all([...marks].reverse().map((m) => store.people.setRead("u1", "broadcast", m)));
      expect(await store.people.setRead("u1", "broadcast", marks[0]!)).toBe(marks[7]);
      expect(await store.people.readMarkers("u1", ["broadcast", roomChannel("chat")])).toEqual(new Map([["broadcast", marks[7]]]));
    });

    it("when private messages are noted out of order, then each side lists the conversation at its newest message, most recent first", async () => {
      const dm = directChannel(alice.userId, bob.userId);
      const other = directChannel(alice.userId, "carolCCCCCCCCCCC");
      const [m1, m2, m3] = [ids(), ids(), ids()];
      await Promise.all([
        store.people.noteConversation(alice.userId, bob.userId, dm, m3!),
        store.people.noteConversation(bob.userId, alice.userId, dm, m1!),
        store.people.noteConversation(alice.userId, "carolCCCCCCCCCCC", other, m2!),
      ]);
      expect(await store.people.conversations(alice.userId, 10)).toEqual([
        { peerId: bob.userId, channel: dm, lastId: m3 },
        { peerId: "carolCCCCCCCCCCC", channel: other, lastId: m2 },
      ]);
      expect(await store.people.conversations(bob.userId, 10)).toEqual([{ peerId: alice.userId, channel: dm, lastId: m3 }]);
      expect(await store.people.conversations(alice.userId, 1)).toHaveLength(1);
    });

    it("when counting unread, then only others' messages after the marker count, up to the cap", async () => {
      const first = await store.insert(message("one"));
      for (let i = 0; i < 5; i++) await store.insert(message(`from bob ${i}`, { from: bob }));
      await store.insert(message("mine again"));
      const channel = roomChannel("chat");
      expect(await store.people.countUnread(channel, first.message.id, alice.userId, 1000)).toBe(5);
      expect(await store.people.countUnread(channel, first.message.id, alice.userId, 3)).toBe(3);
      expect(await store.people.countUnread(channel, "0".repeat(24), bob.userId, 1000)).toBe(2);
    });

    it("when searching, then terms, channels, before and the text check all apply, newest first", async () => {
      const a = await store.insert(message("Lunch at noon"));
      await store.insert(message("lunch in another room", { room: "study", channel: roomChannel("study") }));
      const c = await store.insert(message("LUNCH? noon!"));
      await store.insert(message("noon only"));
      const m = searchMatcher("noon lunch");
      const query = { terms: m.terms, channels: [roomChannel("chat")], limit: 10, matches: m.matches };
      expect(await store.search(query)).toEqual({ messages: [c.message, a.message], hasMore: false });
      expect(await store.search({ ...query, limit: 1 })).toEqual({ messages: [c.message], hasMore: true });
      expect(await store.search({ ...query, before: c.message.id })).toEqual({ messages: [a.message], hasMore: false });
      expect(await store.search({ ...query, matches: () => false })).toEqual({ messages: [], hasMore: false });
      // The stored terms never reach a client.
      expect(Object.keys(a.message)).not.toContain("terms");
    });
  });
}
