import { describe, expect, it } from "vitest";
import type { JoinResult, RoomInfo } from "../../server/protocol.js";
import { call, connectClient, nextEvent, nextPresence, ok } from "../helpers/client.js";
import { startServer } from "../helpers/server.js";
import { memoryStorage, patched } from "../helpers/storage.js";
import { STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

describe("rooms and presence", () => {
  const env = useServer();

  it("when listing rooms on a fresh env.server, then chat and study exist", async () => {
    const { socket } = await connectClient(env.server.url);
    const { rooms } = await ok<{ rooms: RoomInfo[] }>(socket, "rooms");
    expect(rooms.map((r) => r.name).slice(0, 2)).toEqual(["chat", "study"]);
  });

  it("when two people join a room, then both see each other in members, people and presence", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const alone = nextPresence(alice.socket, (p) => p.room === "study");
    await ok(alice.socket, "join", "study");
    expect(await alone).toEqual({ room: "study", count: 1, joined: [{ userId: alice.session.userId, name: "alice", sockets: [alice.socket.id] }] });
    const presence = nextPresence(alice.socket, (p) => p.room === "study" && p.count === 2);
    const joined = await ok<JoinResult>(bob.socket, "join", "study");
    expect(joined.room).toBe("study");
    expect(joined.count).toBe(2);
    expect(joined.members.map((m) => m.socketId).sort()).toEqual([alice.socket.id, bob.socket.id].sort());
    expect(joined.members.find((m) => m.socketId === bob.socket.id)).toEqual({
      userId: bob.session.userId,
      name: "bob",
      socketId: bob.socket.id,
    });
    expect(joined.people).toEqual(
      [
        { userId: alice.session.userId, name: "alice", sockets: [alice.socket.id] },
        { userId: bob.session.userId, name: "bob", sockets: [bob.socket.id] },
      ].sort((a, b) => (a.userId < b.userId ? -1 : 1)),
    );
    expect(await presence).toEqual({
      room: "study",
      count: 2,
      joined: [{ userId: bob.session.userId, name: "bob", sockets: [bob.socket.id] }],
    });
  });

  it("when someone leaves or disconnects, then the room's presence says who left", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const carol = await connectClient(env.server.url, { name: "carol" });
    const allThere = nextPresence(alice.socket, (p) => p.room === "leavers" && p.count === 3);
    for (const c of [alice, bob, carol]) await ok(c.socket, "join", "leavers");
    await allThere;
    const afterLeave = nextPresence(alice.socket, (p) => p.room === "leavers" && p.count === 2);
    expect(await ok(bob.socket, "leave", "leavers")).toEqual({ ok: true, room: "leavers" });
    expect(await afterLeave).toEqual({ room: "leavers", count: 2, left: [{ userId: bob.session.userId, name: "bob" }] });
    const afterDisconnect = nextPresence(alice.socket, (p) => p.room === "leavers" && p.count === 1);
    carol.socket.disconnect();
    expect(await afterDisconnect).toEqual({ room: "leavers", count: 1, left: [{ userId: carol.session.userId, name: "carol" }] });
  });

  it("when joining a new valid name, then the room is created and listed with its member count", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(alice.socket, "join", "读书会");
    await ok(bob.socket, "join", "读书会");
    const { rooms } = await ok<{ rooms: RoomInfo[] }>(bob.socket, "rooms");
    expect(rooms).toContainEqual({ name: "读书会", members: 2 });
  });

  it("when the room name is invalid, then join and leave answer INVALID_INPUT and the socket stays connected", async () => {
    const { socket } = await connectClient(env.server.url);
    for (const bad of ["", "a b", "x".repeat(33), { $gt: "" }, ["chat"], 42, null]) {
      const res = await call(socket, "join", bad);
      expect(res).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
    }
    expect(await call(socket, "leave", "no spaces allowed")).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
    expect(await call(socket, "join", "chat", "extra")).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
    expect(socket.connected).toBe(true);
    expect(await ok(socket, "join", "chat")).toMatchObject({ room: "chat" });
  });

  it("when the room limit is reached, then joining a new room is FORBIDDEN and existing rooms still work", async () => {
    const small = await startServer({ env: { MAX_ROOMS: "3" } });
    try {
      const { socket } = await connectClient(small.url);
      await ok(socket, "join", "third");
      expect(await call(socket, "join", "fourth")).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
      await ok(socket, "join", "chat");
      await ok(socket, "join", "third");
    } finally {
      await small.close();
    }
  });

  it("when joining the same room twice, then it is harmless", async () => {
    const { socket } = await connectClient(env.server.url);
    await ok(socket, "join", "chat");
    const again = await ok<JoinResult>(socket, "join", "chat");
    expect(again.members.filter((m) => m.socketId === socket.id)).toHaveLength(1);
  });

  it("when someone joins too fast, then join answers RATE_LIMITED", async () => {
    const { socket } = await connectClient(env.server.url);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => call(socket, "join", `flood${i}`)));
    expect(results.some((r) => (r as { ok: boolean; error?: { code: string } }).error?.code === "RATE_LIMITED")).toBe(true);
  });
});

describe.each(STORES)("creating a room at once on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({ env: storeEnv() }));

  it("when 20 people join the same new room at the same moment, then every join succeeds and the room is listed once", async () => {
    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => connectClient(env.server.url, { name: `p${i}` })));
    const joins = await Promise.all(people.map(({ socket }) => call(socket, "join", "together")));
    expect(joins.filter((r) => (r as { ok: boolean }).ok !== true)).toEqual([]);
    expect((joins as JoinResult[]).every((j) => j.room === "together")).toBe(true);
    const { rooms } = await ok<{ rooms: RoomInfo[] }>(people[0]!.socket, "rooms");
    expect(rooms.filter((r) => r.name === "together")).toEqual([{ name: "together", members: 20 }]);
  });
});

describe("a join that fails after a retry of it succeeded", () => {
  /** Storage whose first history read fails, late: the first of two overlapping joins fails after the second succeeded. */
  const base = memoryStorage();
  let reads = 0;
  const firstReadFailsLate = patched(base, {
    messages: {
      page: async (query) => {
        if (++reads === 1) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          throw new Error("storage hiccup");
        }
        return base.messages.page(query);
      },
    },
  });
  const env = useServer({ storage: firstReadFailsLate });

  it("when the first of two overlapping joins fails last, then the socket stays in the room the second joined", async () => {
    const reader = await connectClient(env.server.url, { name: "reader" });
    const writer = await connectClient(env.server.url, { name: "writer" });
    // A client that timed out waiting for its join retries it while the first is still running.
    const first = call(reader.socket, "join", "chat") as Promise<{ ok: boolean; error?: { code: string } }>;
    const second = await ok<JoinResult>(reader.socket, "join", "chat");
    expect(second.room).toBe("chat");
    expect(await first).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });

    await ok(writer.socket, "join", "chat");
    const live = nextEvent(reader.socket, "message", (m) => m.text === "still here?");
    await ok(writer.socket, "message", { room: "chat", text: "still here?" });
    expect((await live).from.name).toBe("writer");
  });
});
