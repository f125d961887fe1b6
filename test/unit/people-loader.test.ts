/** Fetching a room's people again (people-loader.ts) while presence keeps changing it, on a stand-in connection. */
import { describe, expect, it } from "vitest";
import type { Channel } from "../../public/src/channels.js";
import type { ChatSocket } from "../../public/src/connection.js";
import { PeopleLoader } from "../../public/src/people-loader.js";
import { RoomPeople } from "../../public/src/room-people.js";
import type { MembersPage, Person } from "../../server/protocol.js";

const person = (userId: string): Person => ({ userId, name: `name ${userId}`, sockets: [`s-${userId}`] });
const ids = (people: RoomPeople) => people.list().map((p) => p.userId);

/** A connection whose `members` answers come from `answer` (which may change the room meanwhile). */
function connection(answer: (query: { after?: string; limit?: number }) => MembersPage): ChatSocket {
  const emitWithAck = async (_event: string, query: { after?: string; limit?: number }) => ({ ok: true, ...answer(query) });
  return { connected: true, timeout: () => ({ emitWithAck }) } as unknown as ChatSocket;
}

function room(people: RoomPeople): Channel {
  return { id: "room:big", kind: "room", room: "big", people } as unknown as Channel;
}

describe("fetching a room's people again", () => {
  it("when one person's row is fetched again and a newcomer now sorts before them, then they stay listed and the list is marked out of date", async () => {
    const people = new RoomPeople();
    people.reset({ people: [person("a"), person("c")], count: 2, hasMore: false });
    const channel = room(people);
    // Asked for the one after "a": "b" joined meanwhile and comes first; "c" is still there.
    const loader = new PeopleLoader(() => connection(() => ({ people: [person("b")], count: 3, hasMore: true })), () => {});
    await loader.person(channel, "c");
    expect(ids(channel.people)).toContain("c");
    expect(channel.people.stale).toBe(true);
  });

  it("when one person's row is fetched again and nobody after them comes back, then they have left", async () => {
    const people = new RoomPeople();
    people.reset({ people: [person("a"), person("c")], count: 2, hasMore: false });
    const channel = room(people);
    const loader = new PeopleLoader(() => connection(() => ({ people: [], count: 1, hasMore: false })), () => {});
    await loader.person(channel, "c");
    expect(ids(channel.people)).toEqual(["a"]);
  });

  it("when presence changes the room while the whole list is fetched again, then the new list is out of date too", async () => {
    const people = new RoomPeople();
    people.reset({ people: [person("a")], count: 150, hasMore: true });
    people.apply({ room: "big", count: 151 }, "me");
    expect(people.stale).toBe(true);
    const channel = room(people);
    const loader = new PeopleLoader(
      () =>
        connection(() => {
          // A count-only presence arrives while the page is on its way.
          channel.people.apply({ room: "big", count: 152 }, "me");
          return { people: [person("a"), person("b")], count: 151, hasMore: true };
        }),
      () => {},
    );
    await loader.refill(channel);
    expect(channel.people).not.toBe(people);
    expect(channel.people.stale).toBe(true);
  });
});
