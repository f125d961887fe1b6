import { describe, expect, it } from "vitest";
import { MemoryPeopleStore } from "../../server/users/memory-people-store.js";

const noMessages = () => [];
const seenAt = new Date("2026-11-23T10:00:00Z");
const ids = async (store: MemoryPeopleStore, userIds: string[]) => (await store.findUsers(userIds)).map((u) => u.userId).sort();

describe("MemoryPeopleStore bounds", () => {
  it("when more people than the cap have been written to, then the least recently written is forgotten with all it had", async () => {
    const store = new MemoryPeopleStore(noMessages, 3);
    await store.upsertUser("a", "Ann", seenAt);
    await store.upsertUser("b", "Bo", seenAt);
    await store.noteConversation("a", "b", "dm:a:b", "0001");
    await store.setRead("a", "room:chat", "0001");
    await store.upsertUser("c", "Cy", seenAt);
    // Least recently written first: b (the conversation wrote to a, then b), a (its marker), c.
    await store.upsertUser("d", "Di", seenAt);

    expect(await ids(store, ["a", "b", "c", "d"])).toEqual(["a", "c", "d"]);
    expect(await store.conversations("b", 10)).toEqual([]);
    // a kept its side of the conversation and its marker.
    expect(await store.conversations("a", 10)).toEqual([{ peerId: "b", channel: "dm:a:b", lastId: "0001" }]);
    expect(await store.readMarkers("a", ["room:chat"])).toEqual(new Map([["room:chat", "0001"]]));

    await store.upsertUser("e", "Ed", seenAt);
    expect(await ids(store, ["a", "c", "d", "e"])).toEqual(["c", "d", "e"]);
    expect(await store.conversations("a", 10)).toEqual([]);
    expect(await store.readMarkers("a", ["room:chat"])).toEqual(new Map());
  });

  it("when someone is seen again, then they become the most recently written and stay", async () => {
    const store = new MemoryPeopleStore(noMessages, 2);
    await store.upsertUser("a", "Ann", seenAt);
    await store.upsertUser("b", "Bo", seenAt);
    await store.upsertUser("a", "Ann", new Date("2026-11-23T11:00:00Z"));
    await store.upsertUser("c", "Cy", seenAt);

    expect(await ids(store, ["a", "b", "c"])).toEqual(["a", "c"]);
    const [ann] = await store.findUsers(["a"]);
    expect(ann).toEqual({ userId: "a", name: "Ann", lastSeen: "2026-11-23T11:00:00.000Z" });
  });

  it("when one person sets more read markers than the cap, then the least recently set goes first", async () => {
    const store = new MemoryPeopleStore(noMessages, 10, 3);
    for (const channel of ["dm:1", "dm:2", "dm:3"]) await store.setRead("a", channel, "0001");
    // Moving dm:1 forward makes it the most recently set.
    await store.setRead("a", "dm:1", "0002");
    await store.setRead("a", "dm:4", "0001");

    const markers = await store.readMarkers("a", ["dm:1", "dm:2", "dm:3", "dm:4"]);
    expect([...markers.keys()].sort()).toEqual(["dm:1", "dm:3", "dm:4"]);
    expect(markers.get("dm:1")).toBe("0002");
  });
});
