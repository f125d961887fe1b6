import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { createLogger } from "../../server/logger.js";
import { createStore } from "../../server/messages/create-store.js";
import { MemoryPeopleStore } from "../../server/users/memory-people-store.js";
import type { PeopleStore } from "../../server/users/people-store.js";

const noMessages = () => [];
const seenAt = new Date("2026-11-23T10:00:00Z");
const known = async (store: PeopleStore, userIds: string[]) => (await store.findUsers(userIds)).map((u) => u.userId).sort();
const markerChannels = async (store: MemoryPeopleStore, userId: string, channels: string[]) =>
  [...(await store.readMarkers(userId, channels)).keys()].sort();

describe("MemoryPeopleStore bounds", () => {
  it("when more people than the cap connect, then those with no conversations or markers go first, least recently written first", async () => {
    const store = new MemoryPeopleStore(noMessages, { maxPeople: 3 });
    await store.upsertUser("a", "Ann", seenAt);
    await store.upsertUser("b", "Bo", seenAt);
    await store.noteConversation("a", "b", "dm:a:b", "0001");
    await store.upsertUser("c", "Cy", seenAt);
    await store.upsertUser("d", "Di", seenAt);
    expect(await known(store, ["a", "b", "c", "d"])).toEqual(["a", "b", "d"]);

    await store.upsertUser("e", "Ed", seenAt);
    expect(await known(store, ["a", "b", "c", "d", "e"])).toEqual(["a", "b", "e"]);
    expect(await store.conversations("a", 10)).toEqual([{ peerId: "b", channel: "dm:a:b", lastId: "0001" }]);
    expect(await store.conversations("b", 10)).toEqual([{ peerId: "a", channel: "dm:a:b", lastId: "0001" }]);
  });

  it("when everyone has markers, then the least recently written is forgotten with all they had", async () => {
    const store = new MemoryPeopleStore(noMessages, { maxPeople: 2 });
    for (const id of ["a", "b"]) {
      await store.upsertUser(id, id, seenAt);
      await store.setRead(id, "room:chat", "0001");
    }
    await store.setRead("a", "room:study", "0002");
    await store.setRead("c", "room:chat", "0003");

    expect(await known(store, ["a", "b", "c"])).toEqual(["a"]);
    expect(await markerChannels(store, "b", ["room:chat"])).toEqual([]);
    expect(await markerChannels(store, "a", ["room:chat", "room:study"])).toEqual(["room:chat", "room:study"]);
    expect(await markerChannels(store, "c", ["room:chat"])).toEqual(["room:chat"]);
  });

  it("when someone is seen again, then they become the most recently written and stay", async () => {
    const store = new MemoryPeopleStore(noMessages, { maxPeople: 2 });
    await store.upsertUser("a", "Ann", seenAt);
    await store.upsertUser("b", "Bo", seenAt);
    await store.upsertUser("a", "Ann", new Date("2026-11-23T11:00:00Z"));
    await store.upsertUser("c", "Cy", seenAt);

    expect(await known(store, ["a", "b", "c"])).toEqual(["a", "c"]);
    const [ann] = await store.findUsers(["a"]);
    expect(ann).toEqual({ userId: "a", name: "Ann", lastSeen: "2026-11-23T11:00:00.000Z" });
  });

  it("when one person sets more read markers than their share, then the least recently set goes first", async () => {
    const store = new MemoryPeopleStore(noMessages, { maxPerPerson: 3 });
    for (const channel of ["dm:1", "dm:2", "dm:3"]) await store.setRead("a", channel, "0001");
    // Moving dm:1 forward makes it the most recently set.
    await store.setRead("a", "dm:1", "0002");
    await store.setRead("a", "dm:4", "0001");

    const markers = await store.readMarkers("a", ["dm:1", "dm:2", "dm:3", "dm:4"]);
    expect([...markers.keys()].sort()).toEqual(["dm:1", "dm:3", "dm:4"]);
    expect(markers.get("dm:1")).toBe("0002");
  });

  it("when one person writes to more people than their share, then their least recently updated conversation goes first", async () => {
    const store = new MemoryPeopleStore(noMessages, { maxPerPerson: 2 });
    await store.noteConversation("a", "p1", "dm:a:p1", "0001");
    await store.noteConversation("a", "p2", "dm:a:p2", "0002");
    await store.noteConversation("a", "p1", "dm:a:p1", "0003");
    await store.noteConversation("a", "p3", "dm:a:p3", "0004");

    expect((await store.conversations("a", 10)).map((c) => c.peerId)).toEqual(["p3", "p1"]);
  });

  it("when the conversations and markers of everyone pass their bound, then people go, least recently written first", async () => {
    const store = new MemoryPeopleStore(noMessages, { maxPeople: 10, maxPerPerson: 3, maxEntries: 4 });
    for (const channel of ["room:1", "room:2", "room:3"]) await store.setRead("a", channel, "0001");
    await store.setRead("b", "room:1", "0001");
    expect(await markerChannels(store, "a", ["room:1", "room:2", "room:3"])).toHaveLength(3);

    await store.setRead("b", "room:2", "0001");
    expect(await markerChannels(store, "a", ["room:1", "room:2", "room:3"])).toEqual([]);
    expect(await markerChannels(store, "b", ["room:1", "room:2"])).toEqual(["room:1", "room:2"]);
  });
});

describe("MEMORY_STORE_MAX_PEOPLE", () => {
  it("when it is set, then the in-memory store remembers that many people", async () => {
    const config = loadConfig({ MEMORY_STORE_MAX_PEOPLE: "100" });
    const store = await createStore(config, createLogger(loadConfig({ LOG_LEVEL: "silent" })));
    for (let i = 0; i <= 100; i++) await store.people.upsertUser(`u${i}`, `n${i}`, seenAt);

    expect(await known(store.people, ["u0", "u1", "u100"])).toEqual(["u1", "u100"]);
  });
});
