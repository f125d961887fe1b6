/** Protocol v1.2 "People, not sockets" on one node: join, members, rooms, presence, person and conversations.online. */
import { describe, expect, it } from "vitest";
import type { ChatMessage, Conversation, JoinResult, MembersPage, PersonNotice, RoomInfo } from "../../server/protocol.js";
import {
  call,
  collectPresence,
  connectClient,
  flush,
  nextEvent,
  nextPresence,
  ok,
  until,
  type Client,
  type TestSocket,
} from "../helpers/client.js";
import { STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

const WINDOW_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refused = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });
const byUserId = <T extends { userId: string }>(list: T[]) => [...list].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));

/** Many people, each with one socket (opened a few at a time). */
async function crowd(url: string, n: number, prefix: string): Promise<Client[]> {
  const people: Client[] = [];
  for (let i = 0; i < n; i += 20) {
    people.push(
      ...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => connectClient(url, { name: `${prefix}${i + j}` })))),
    );
  }
  return people;
}

const roomInfo = async (socket: TestSocket, room: string) =>
  (await ok<{ rooms: RoomInfo[] }>(socket, "rooms")).rooms.find((r) => r.name === room);

describe("people in rooms, on one node", () => {
  const env = useServer({ env: { RATE_LIMIT_PER_IP_FACTOR: "1000", MAX_CONNECTIONS_PER_IP: "1000" } });

  it("when one person joins with two tabs, then they count once, are listed once with both sockets, and the second tab sends no presence", async () => {
    const watcher = await connectClient(env.server.url, { name: "wendy" });
    await ok(watcher.socket, "join", "tabs");
    await nextPresence(watcher.socket, (p) => p.room === "tabs");
    const tab1 = await connectClient(env.server.url, { name: "tom" });
    const tab2 = await connectClient(env.server.url, { name: "tom", token: tab1.session.token });
    const tom = { userId: tab1.session.userId, name: "tom" };

    const first = nextPresence(watcher.socket, (p) => p.room === "tabs");
    await ok(tab1.socket, "join", "tabs");
    expect(await first).toEqual({ room: "tabs", count: 2, joined: [{ ...tom, sockets: [tab1.socket.id] }] });

    const seen = collectPresence(watcher.socket);
    const joined = await ok<JoinResult>(tab2.socket, "join", "tabs");
    expect(joined.count).toBe(2);
    expect(joined.people).toEqual(
      byUserId([
        { userId: watcher.session.userId, name: "wendy", sockets: [watcher.socket.id] },
        { ...tom, sockets: [tab1.socket.id, tab2.socket.id] },
      ]),
    );
    // v1 members: one per socket, in the order of the people.
    expect(joined.members).toEqual(
      joined.people.flatMap((p) => p.sockets.map((socketId) => ({ userId: p.userId, name: p.name, socketId }))),
    );
    expect(await roomInfo(watcher.socket, "tabs")).toEqual({ name: "tabs", members: 2 });

    // Closing one tab changes nothing either; closing the last one does.
    tab2.socket.disconnect();
    await sleep(WINDOW_MS * 2);
    expect(seen).toEqual([]);
    const left = nextPresence(watcher.socket, (p) => p.room === "tabs");
    await ok(tab1.socket, "leave", "tabs");
    expect(await left).toEqual({ room: "tabs", count: 1, left: [tom] });
  });

  it("when someone joins and leaves within one window, then no presence is sent at all", async () => {
    const watcher = await connectClient(env.server.url, { name: "wendy" });
    await ok(watcher.socket, "join", "blink");
    await nextPresence(watcher.socket, (p) => p.room === "blink");
    const seen = collectPresence(watcher.socket);
    const visitor = await connectClient(env.server.url, { name: "vic" });
    await ok(visitor.socket, "join", "blink");
    await ok(visitor.socket, "leave", "blink");
    await sleep(WINDOW_MS * 2.5);
    expect(seen).toEqual([]);
  });

  it("when a dropped connection is recovered within the window, then the room hears nothing and the person still counts", async () => {
    const watcher = await connectClient(env.server.url, { name: "wendy" });
    // The helper reconnects after about 100 ms: well within the window.
    const rita = await connectClient(env.server.url, { name: "rita" }, { reconnection: true });
    await ok(watcher.socket, "join", "comeback");
    await ok(rita.socket, "join", "comeback");
    await nextPresence(watcher.socket, (p) => p.room === "comeback");
    const seen = collectPresence(watcher.socket);
    const ritaId = rita.socket.id!;

    rita.socket.io.engine.close();
    await until(() => !env.server.chat.io.sockets.sockets.has(ritaId));
    await until(() => rita.socket.connected);
    expect(rita.socket.recovered).toBe(true);
    await sleep(WINDOW_MS * 2);
    expect(seen).toEqual([]);
    expect(await ok<MembersPage>(watcher.socket, "members", { room: "comeback" })).toMatchObject({
      count: 2,
      people: expect.arrayContaining([{ userId: rita.session.userId, name: "rita", sockets: [ritaId] }]),
    });
    // Her later departure is reported as usual.
    const left = nextPresence(watcher.socket, (p) => p.room === "comeback");
    await ok(rita.socket, "leave", "comeback");
    expect(await left).toEqual({ room: "comeback", count: 1, left: [{ userId: rita.session.userId, name: "rita" }] });
  });

  it("when many people join within one window, then each socket in the room gets one presence naming them all", async () => {
    const watcher = await connectClient(env.server.url, { name: "wendy" });
    await ok(watcher.socket, "join", "rush");
    await nextPresence(watcher.socket, (p) => p.room === "rush");
    const seen = collectPresence(watcher.socket);
    const people = await crowd(env.server.url, 10, "r");
    await Promise.all(people.map((p) => ok(p.socket, "join", "rush")));
    await until(() => seen.length > 0);
    await sleep(WINDOW_MS * 1.5);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({
      room: "rush",
      count: 11,
      joined: byUserId(people.map((p) => ({ userId: p.session.userId, name: p.session.name, sockets: [p.socket.id] }))),
    });
  });

  it("when a room holds more than 100 people, then presence carries only the count, and members pages through everyone by userId", async () => {
    const people = await crowd(env.server.url, 101, "p");
    const watcher = people[0]!;
    for (let i = 0; i < people.length; i += 20) await Promise.all(people.slice(i, i + 20).map((p) => ok(p.socket, "join", "crowd")));
    await until(async () => {
      await sleep(500); // `rooms` is limited to twice a second
      return (await roomInfo(watcher.socket, "crowd"))?.members === 101;
    }, 10_000);
    await sleep(WINDOW_MS * 1.5);

    const late = await connectClient(env.server.url, { name: "late" });
    const countOnly = nextPresence(watcher.socket, (p) => p.room === "crowd");
    const joined = await ok<JoinResult>(late.socket, "join", "crowd");
    expect(await countOnly).toEqual({ room: "crowd", count: 102 });
    expect(joined.count).toBe(102);
    expect(joined.people).toHaveLength(100);
    expect(joined.members).toHaveLength(100);

    const everyone = [...people, late].map((p) => p.session.userId).sort();
    expect(joined.people.map((p) => p.userId)).toEqual(everyone.slice(0, 100));
    const first = await ok<MembersPage>(late.socket, "members", { room: "crowd" });
    expect(first).toMatchObject({ count: 102, hasMore: true });
    expect(first.people).toEqual(joined.people);
    const rest = await ok<MembersPage>(late.socket, "members", { room: "crowd", after: first.people.at(-1)!.userId });
    expect(rest).toMatchObject({ count: 102, hasMore: false });
    expect([...first.people, ...rest.people].map((p) => p.userId)).toEqual(everyone);
    const small = await ok<MembersPage>(late.socket, "members", { room: "crowd", after: everyone[9], limit: 5 });
    expect(small.people.map((p) => p.userId)).toEqual(everyone.slice(10, 15));
    expect(small.hasMore).toBe(true);
    expect(small.people[0]).toEqual({ userId: everyone[10], name: expect.any(String), sockets: [expect.any(String)] });
  }, 30_000);

  it("when asking members of a room one is not in, an empty room, or a room never created, then it answers, answers empty, or NOT_FOUND", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(alice.socket, "join", "quiet");
    expect(await ok<MembersPage>(bob.socket, "members", { room: "quiet" })).toEqual({
      ok: true,
      people: [{ userId: alice.session.userId, name: "alice", sockets: [alice.socket.id] }],
      count: 1,
      hasMore: false,
    });
    await ok(alice.socket, "leave", "quiet");
    expect(await ok<MembersPage>(bob.socket, "members", { room: "quiet" })).toEqual({ ok: true, people: [], count: 0, hasMore: false });
    expect(await call(bob.socket, "members", { room: "never-made" })).toEqual(refused("NOT_FOUND"));
  });

  it("when members is asked with a bad payload, then it answers INVALID_INPUT and the socket stays up", async () => {
    const { socket } = await connectClient(env.server.url, { name: "alice" });
    for (const bad of [
      "chat",
      { room: "chat", limit: 0 },
      { room: "chat", limit: 101 },
      { room: "chat", limit: 1.5 },
      { room: "chat", after: "" },
      { room: "chat", after: { $gt: "" } },
      { room: "a b" },
      { room: "chat", extra: 1 },
      {},
    ]) {
      expect(await call(socket, "members", bad)).toEqual(refused("INVALID_INPUT"));
    }
    expect(await call(socket, "members", { room: "chat" }, "extra")).toEqual(refused("INVALID_INPUT"));
    expect(socket.connected).toBe(true);
  });
});

describe.each(STORES)("person and conversations online on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({ env: { ...storeEnv(), RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } }));

  it("when someone one has a conversation with goes offline and comes back, then person says so to them only, once per change", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const carol = await connectClient(env.server.url, { name: "carol" });
    await ok<{ message: ChatMessage }>(alice.socket, "private message", { toUser: bob.session.userId, text: "hi" });
    const aliceGot: PersonNotice[] = [];
    const carolGot: PersonNotice[] = [];
    alice.socket.on("person", (n) => aliceGot.push(n));
    carol.socket.on("person", (n) => carolGot.push(n));

    const offline = nextEvent(alice.socket, "person");
    bob.socket.disconnect();
    expect(await offline).toEqual({ userId: bob.session.userId, name: "bob", online: false });
    const conversations = await ok<{ conversations: Conversation[] }>(alice.socket, "conversations");
    expect(conversations.conversations.map((c) => [c.user.userId, c.online])).toEqual([[bob.session.userId, false]]);

    const online = nextEvent(alice.socket, "person", (n) => n.online);
    const bobBack = await connectClient(env.server.url, { name: "bob", token: bob.session.token });
    expect(await online).toEqual({ userId: bob.session.userId, name: "bob", online: true });
    // A second tab of someone already online changes nothing.
    await connectClient(env.server.url, { name: "bob", token: bob.session.token });
    await sleep(300);
    await flush(alice.socket);
    expect(aliceGot).toHaveLength(2);
    expect(carolGot).toEqual([]);
    const again = await ok<{ conversations: Conversation[] }>(alice.socket, "conversations");
    expect(again.conversations.map((c) => c.online)).toEqual([true]);
    // Bob, for his part, sees alice online.
    expect((await ok<{ conversations: Conversation[] }>(bobBack.socket, "conversations")).conversations[0]).toMatchObject({
      user: { userId: alice.session.userId },
      online: true,
    });
  });
});
