import { describe, expect, it } from "vitest";
import { RoomPeople } from "../../public/src/room-people.js";
import type { Person } from "../../server/protocol.js";

const person = (userId: string, sockets = [`s-${userId}`]): Person => ({ userId, name: `name ${userId}`, sockets });
const ids = (people: RoomPeople) => people.list().map((p) => p.userId);

describe("a room's people as the page knows them", () => {
  it("when the first page and the next are taken, then people are listed once each in userId order and the list is complete at the end", () => {
    const people = new RoomPeople();
    people.reset({ people: [person("a"), person("c", ["s1", "s2"])], count: 4, hasMore: true });
    expect(ids(people)).toEqual(["a", "c"]);
    expect(people.complete).toBe(false);
    expect(people.cursor).toBe("c");
    people.append({ people: [person("d"), person("f")], count: 4, hasMore: false });
    expect(ids(people)).toEqual(["a", "c", "d", "f"]);
    expect(people.get("c")?.sockets).toEqual(["s1", "s2"]);
    expect(people.complete).toBe(true);
  });

  it("when someone joins beyond the pages fetched, then they are counted but listed only by the page that holds them", () => {
    const people = new RoomPeople();
    people.reset({ people: [person("b"), person("d")], count: 3, hasMore: true });
    const change = people.apply({ room: "r", count: 5, joined: [person("a"), person("z")] }, "me");
    expect(ids(people)).toEqual(["a", "b", "d"]);
    expect(people.count).toBe(5);
    // Both are said to have joined, wherever they fall in the list.
    expect(change.joined.map((p) => p.userId)).toEqual(["a", "z"]);
  });

  it("when a presence names who came and went, then rows follow; this person and anyone already listed make no notice", () => {
    const people = new RoomPeople();
    people.reset({ people: [person("me"), person("x")], count: 2, hasMore: false });
    const change = people.apply({ room: "r", count: 2, joined: [person("me"), person("y")], left: [{ userId: "x", name: "name x" }] }, "me");
    expect(ids(people)).toEqual(["me", "y"]);
    expect(change).toEqual({ joined: [{ userId: "y", name: "name y" }], left: [{ userId: "x", name: "name x" }] });
    expect(people.stale).toBe(false);
  });

  it("when a big room's presence carries only a count, then the list is marked out of date until it is fetched again", () => {
    const people = new RoomPeople();
    people.reset({ people: [person("a")], count: 150, hasMore: true });
    expect(people.apply({ room: "r", count: 149 }, "me")).toEqual({ joined: [], left: [] });
    expect(people.count).toBe(149);
    expect(people.stale).toBe(true);
    people.reset({ people: [person("b")], count: 149, hasMore: true });
    expect(people.stale).toBe(false);
    expect(ids(people)).toEqual(["b"]);
  });

  it("when a known person writes from a socket not listed, then it is added to their tabs", () => {
    const people = new RoomPeople();
    people.reset({ people: [person("a", ["s1"])], count: 1, hasMore: false });
    people.sawSocket("a", "s2");
    people.sawSocket("a", "s2");
    people.sawSocket("stranger", "s3");
    expect(people.get("a")?.sockets).toEqual(["s1", "s2"]);
    expect(ids(people)).toEqual(["a"]);
  });
});
