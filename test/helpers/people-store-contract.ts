/**
 * The behaviour every PeopleStore must have (protocol v1.1): people,
 * conversation summaries and read markers. Run against each backend with
 * `describePeopleStoreContract(name, makeStorage)`: each test opens a fresh
 * Storage, uses its `people` store and closes it. Unread counts count
 * messages and are in the message store's contract (store-contract.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { directChannel, roomChannel } from "../../server/channels/channel.js";
import { createIdGenerator } from "../../server/messages/message-id.js";
import type { PeopleStore } from "../../server/people/people-store.js";
import type { Storage } from "../../server/storage/storage.js";

const alice = { userId: "aliceAAAAAAAAAAA", name: "alice", socketId: "sockA" };
const bob = { userId: "bobBBBBBBBBBBBBB", name: "bob", socketId: "" };

export function describePeopleStoreContract(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name} people store contract`, () => {
    let storage: Storage;
    let people: PeopleStore;
    const ids = createIdGenerator();

    beforeEach(async () => {
      storage = await makeStorage();
      await storage.init();
      people = storage.people;
    });
    afterEach(async () => {
      await storage.close();
    });

    it("when a user signs in to an account, then its username is kept, even when a guest tab of theirs is seen later", async () => {
      const seen = new Date();
      await people.upsertUser("u1", "Kid", seen);
      expect((await people.findUsers(["u1"]))[0]!.account).toBeUndefined();
      await people.upsertUser("u1", "Kid", seen, "kid_1");
      await people.upsertUser("u1", "Kid again", seen);
      expect(await people.findUsers(["u1"])).toEqual([{ userId: "u1", name: "Kid again", lastSeen: seen.toISOString(), account: "kid_1" }]);
    });

    it("when a user is seen twice, then the newest name and the latest time are kept", async () => {
      const later = new Date(Date.now() + 60_000);
      await people.upsertUser("u1", "first", later);
      await people.upsertUser("u1", "second", new Date());
      expect(await people.findUsers(["u1", "nobody"])).toEqual([
        { userId: "u1", name: "second", lastSeen: later.toISOString() },
      ]);
    });

    it("when several users are looked up, then exactly the known ones come back", async () => {
      const seen = new Date();
      await people.upsertUser("u1", "one", seen);
      await people.upsertUser("u2", "two", seen);
      await people.upsertUser("u3", "three", seen);
      const found = await people.findUsers(["u3", "u1", "ghost"]);
      expect(found.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
        { userId: "u1", name: "one", lastSeen: seen.toISOString() },
        { userId: "u3", name: "three", lastSeen: seen.toISOString() },
      ]);
      expect(await people.findUsers([])).toEqual([]);
    });

    it("when read markers race, then the greatest wins and an older one never moves it back", async () => {
      const marks = Array.from({ length: 8 }, () => ids());
      await Promise.all([...marks].reverse().map((m) => people.setRead("u1", "broadcast", m)));
      expect(await people.setRead("u1", "broadcast", marks[0]!)).toBe(marks[7]);
      expect(await people.readMarkers("u1", ["broadcast", roomChannel("chat")])).toEqual(new Map([["broadcast", marks[7]]]));
    });

    it("when read markers are set, then each person and channel has its own, and none are asked for none come back", async () => {
      const [m1, m2, m3] = [ids(), ids(), ids()];
      expect(await people.setRead("u1", roomChannel("chat"), m1!)).toBe(m1);
      expect(await people.setRead("u1", roomChannel("chat"), m2!)).toBe(m2);
      await people.setRead("u1", roomChannel("study"), m3!);
      await people.setRead("u2", roomChannel("chat"), m3!);
      expect(await people.readMarkers("u1", [roomChannel("chat"), roomChannel("study"), roomChannel("none")])).toEqual(
        new Map([
          [roomChannel("chat"), m2],
          [roomChannel("study"), m3],
        ]),
      );
      expect(await people.readMarkers("u2", [roomChannel("study")])).toEqual(new Map());
      expect(await people.readMarkers("u1", [])).toEqual(new Map());
    });

    it("when private messages are noted out of order, then each side lists the conversation at its newest message, most recent first", async () => {
      const dm = directChannel(alice.userId, bob.userId);
      const other = directChannel(alice.userId, "carolCCCCCCCCCCC");
      const [m1, m2, m3] = [ids(), ids(), ids()];
      await Promise.all([
        people.noteConversation(alice.userId, bob.userId, dm, m3!),
        people.noteConversation(bob.userId, alice.userId, dm, m1!),
        people.noteConversation(alice.userId, "carolCCCCCCCCCCC", other, m2!),
      ]);
      expect(await people.conversations(alice.userId, 10)).toEqual([
        { peerId: bob.userId, channel: dm, lastId: m3 },
        { peerId: "carolCCCCCCCCCCC", channel: other, lastId: m2 },
      ]);
      expect(await people.conversations(bob.userId, 10)).toEqual([{ peerId: alice.userId, channel: dm, lastId: m3 }]);
      expect(await people.conversations(alice.userId, 1)).toHaveLength(1);
    });

    it("when the same private message is noted again, then nothing changes, and a newer one moves the conversation up", async () => {
      const dm = directChannel(alice.userId, bob.userId);
      const other = directChannel(alice.userId, "carolCCCCCCCCCCC");
      const [m1, m2, m3] = [ids(), ids(), ids()];
      await people.noteConversation(alice.userId, bob.userId, dm, m1!);
      await people.noteConversation(alice.userId, "carolCCCCCCCCCCC", other, m2!);
      await people.noteConversation(alice.userId, bob.userId, dm, m1!);
      expect((await people.conversations(alice.userId, 10)).map((c) => c.lastId)).toEqual([m2, m1]);
      await people.noteConversation(bob.userId, alice.userId, dm, m3!);
      expect(await people.conversations(alice.userId, 10)).toEqual([
        { peerId: bob.userId, channel: dm, lastId: m3 },
        { peerId: "carolCCCCCCCCCCC", channel: other, lastId: m2 },
      ]);
      expect(await people.conversations("nobodyNNNNNNNNNN", 10)).toEqual([]);
    });
  });
}
