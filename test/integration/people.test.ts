import { describe, expect, it } from "vitest";
import type { ChatMessage, Conversation, Page, ReadNotice, RoomInfo } from "../../server/protocol.js";
import { call, connectClient, flush, nextEvent, ok, type Client } from "../helpers/client.js";
import { STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

type Sent = { message: ChatMessage };
type Conversations = { conversations: Conversation[] };

describe.each(STORES)("away messages, conversations and unread on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({ env: { ...storeEnv(), RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } }));

  const connect = (name: string, token?: string) => connectClient(env.server.url, token ? { name, token } : { name });
  const gone = async (c: Client) => {
    const left = new Promise((resolve) => c.socket.once("disconnect", resolve));
    c.socket.disconnect();
    await left;
  };

  it("when someone writes toUser to a person who is offline, then both of the sender's tabs get it and the recipient finds it in history, conversations and unread on return", async () => {
    const alice = await connect("alice");
    const aliceTab2 = await connect("alice", alice.session.token);
    const bob = await connect("bob");
    await gone(bob);

    const atAlice = [alice, aliceTab2].map((c) => nextEvent(c.socket, "message", (m) => m.kind === "private"));
    const { message } = await ok<Sent>(alice.socket, "private message", { toUser: bob.session.userId, text: "are you there?" });
    expect(message.to).toEqual({ userId: bob.session.userId, name: "bob", socketId: "" });
    expect(message.from.userId).toBe(alice.session.userId);
    for (const got of await Promise.all(atAlice)) expect(got).toEqual(message);

    const bobBack = await connect("bob", bob.session.token);
    const history = await ok<Page>(bobBack.socket, "history", { with: alice.session.userId });
    expect(history.messages).toEqual([message]);
    const { conversations } = await ok<Conversations>(bobBack.socket, "conversations");
    expect(conversations).toEqual([{ user: { userId: alice.session.userId, name: "alice" }, last: message, unread: 1, online: true }]);
  });

  it("when toUser names someone who never connected, then it answers NOT_FOUND and stores nothing", async () => {
    const alice = await connect("alice");
    const stranger = "neverConnected0123";
    expect(await call(alice.socket, "private message", { toUser: stranger, text: "hello?" })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(await ok<Page>(alice.socket, "history", { with: stranger })).toMatchObject({ messages: [], hasMore: false });
    expect((await ok<Conversations>(alice.socket, "conversations")).conversations).toEqual([]);
  });

  it("when the recipient is online, then a toUser message reaches every socket of theirs, and a reply to a socket id continues the same conversation", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const bobTab2 = await connect("bob", bob.session.token);
    const atBob = [bob, bobTab2].map((c) => nextEvent(c.socket, "message", (m) => m.kind === "private"));
    const first = (await ok<Sent>(alice.socket, "private message", { toUser: bob.session.userId, text: "hi bob" })).message;
    expect([bob.socket.id, bobTab2.socket.id]).toContain(first.to?.socketId);
    for (const got of await Promise.all(atBob)) expect(got).toEqual(first);

    const reply = (await ok<Sent>(bob.socket, "private message", { to: alice.socket.id, text: "hi alice" })).message;
    const page = await ok<Page>(alice.socket, "history", { with: bob.session.userId });
    expect(page.messages).toEqual([first, reply]);
  });

  it("when a private message names both to and toUser, or neither, then it answers INVALID_INPUT and the connection stays up", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    for (const payload of [
      { to: bob.socket.id, toUser: bob.session.userId, text: "both" },
      { text: "neither" },
      { toUser: { $ne: "" }, text: "operator" },
      { toUser: [bob.session.userId], text: "array" },
    ]) {
      expect(await call(alice.socket, "private message", payload)).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
    }
    expect(alice.socket.connected).toBe(true);
    expect((await ok<Page>(bob.socket, "history", { with: alice.session.userId })).messages).toEqual([]);
  });

  it("when a new socket comes with the same token (cleared localStorage), then conversations lists every conversation, most recent first", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    const toCarol = (await ok<Sent>(alice.socket, "private message", { toUser: carol.session.userId, text: "to carol" })).message;
    await ok<Sent>(bob.socket, "private message", { toUser: alice.session.userId, text: "from bob" });
    const toBob = (await ok<Sent>(alice.socket, "private message", { to: bob.socket.id, text: "to bob" })).message;
    await gone(alice);

    const again = await connect("alice", alice.session.token);
    const { conversations } = await ok<Conversations>(again.socket, "conversations");
    expect(conversations).toEqual([
      { user: { userId: bob.session.userId, name: "bob" }, last: toBob, unread: 1, online: true },
      { user: { userId: carol.session.userId, name: "carol" }, last: toCarol, unread: 0, online: true },
    ]);
    // Carol's side of it, and bob sees only his own.
    const carolSees = await ok<Conversations>(carol.socket, "conversations");
    expect(carolSees.conversations.map((c) => [c.user.userId, c.unread])).toEqual([[alice.session.userId, 1]]);
    const bobSees = await ok<Conversations>(bob.socket, "conversations");
    expect(bobSees.conversations.map((c) => c.user.userId)).toEqual([alice.session.userId]);
  });

  it("when a person reads on one tab, then the other tabs get read, the count survives a reconnect and never moves backwards", async () => {
    const bob = await connect("bob");
    const alice = await connect("alice");
    const aliceTab2 = await connect("alice", alice.session.token);
    const sent: ChatMessage[] = [];
    for (const text of ["one", "two", "three"]) {
      sent.push((await ok<Sent>(bob.socket, "private message", { toUser: alice.session.userId, text })).message);
    }
    const unread = async (c: Client) =>
      (await ok<Conversations>(c.socket, "conversations")).conversations.find((x) => x.user.userId === bob.session.userId)?.unread;
    expect(await unread(alice)).toBe(3);

    const notices: ReadNotice[] = [];
    alice.socket.on("read", (n) => notices.push(n));
    const atTab2 = nextEvent(aliceTab2.socket, "read");
    expect(await ok(alice.socket, "read", { with: bob.session.userId, upTo: sent[1]!.id })).toEqual({ ok: true });
    expect(await atTab2).toEqual({ with: bob.session.userId, upTo: sent[1]!.id });
    expect(await unread(aliceTab2)).toBe(1);
    // Her own messages are never unread to her.
    await ok<Sent>(alice.socket, "private message", { toUser: bob.session.userId, text: "mine" });
    expect(await unread(alice)).toBe(1);

    await gone(alice);
    await gone(aliceTab2);
    const back = await connect("alice", alice.session.token);
    const backTab2 = await connect("alice", alice.session.token);
    expect(await unread(back)).toBe(1);

    // An older marker does not move it back; the other tab hears the marker that stands.
    const stands = nextEvent(backTab2.socket, "read");
    await ok(back.socket, "read", { with: bob.session.userId, upTo: sent[0]!.id });
    expect(await stands).toEqual({ with: bob.session.userId, upTo: sent[1]!.id });
    expect(await unread(back)).toBe(1);
    // The reader's own socket never heard its read: a notice to it would have come before its ack.
    expect(notices).toEqual([]);
  });

  it("when someone has read a room before, then rooms reports its unread count, not counting their own messages, and no count for rooms never read", async () => {
    const room = `unread-${Math.random().toString(36).slice(2, 8)}`;
    const alice = await connect("alice");
    const bob = await connect("bob");
    await ok(alice.socket, "join", room);
    await ok(bob.socket, "join", room);
    const first = (await ok<Sent>(bob.socket, "message", { room, text: "first" })).message;
    await ok<Sent>(bob.socket, "message", { room, text: "second" });
    const roomInfo = async () => (await ok<{ rooms: RoomInfo[] }>(alice.socket, "rooms")).rooms.find((r) => r.name === room);
    expect(await roomInfo()).toEqual({ name: room, members: 2 });

    await ok(alice.socket, "read", { room, upTo: first.id });
    expect(await roomInfo()).toEqual({ name: room, members: 2, unread: 1 });
    await ok<Sent>(alice.socket, "message", { room, text: "my own" });
    await ok<Sent>(bob.socket, "message", { room, text: "third" });
    expect(await roomInfo()).toEqual({ name: room, members: 2, unread: 2 });
    // Bob never read it: no count for him.
    const bobsView = (await ok<{ rooms: RoomInfo[] }>(bob.socket, "rooms")).rooms.find((r) => r.name === room);
    expect(bobsView).toEqual({ name: room, members: 2 });
  });

  it("when read is malformed or names a room that does not exist, then it is refused and nothing is stored", async () => {
    const alice = await connect("alice");
    const id = "0".repeat(23) + "1";
    for (const payload of [
      { room: "chat" },
      { room: "chat", upTo: "nope" },
      { room: "chat", upTo: { $gt: "" } },
      { room: "chat", with: alice.session.userId, upTo: id },
      { upTo: id },
      { broadcast: true, upTo: id, extra: 1 },
    ]) {
      expect(await call(alice.socket, "read", payload)).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
    }
    expect(await call(alice.socket, "read", { room: "never-made-room", upTo: id })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(await ok(alice.socket, "read", { broadcast: true, upTo: id })).toEqual({ ok: true });
    expect(alice.socket.connected).toBe(true);
  });
});

describe.each(STORES)("mentions on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({ env: { ...storeEnv(), RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } }));

  const connect = (name: string, token?: string) => connectClient(env.server.url, token ? { name, token } : { name });

  it("when a room message mentions someone who is not in the room, then every socket of theirs gets mention, and no one else does", async () => {
    const room = `mention-${Math.random().toString(36).slice(2, 8)}`;
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    const carolTab2 = await connect("carol", carol.session.token);
    await ok(alice.socket, "join", room);
    await ok(bob.socket, "join", room);
    const bobMentions: unknown[] = [];
    bob.socket.on("mention", (n) => bobMentions.push(n));
    const atCarol = [carol, carolTab2].map((c) => nextEvent(c.socket, "mention"));

    const { message } = await ok<Sent>(alice.socket, "message", {
      room,
      text: "ask @carol",
      mentions: [carol.session.userId, carol.session.userId],
    });
    expect(message.mentions).toEqual([carol.session.userId]);
    for (const got of await Promise.all(atCarol)) expect(got).toEqual({ message });
    const { messages } = await ok<Page>(bob.socket, "history", { room });
    expect(messages).toEqual([message]);
    await flush(bob.socket);
    expect(bobMentions).toEqual([]);
  });

  it("when a broadcast mentions someone, then they get mention", async () => {
    const alice = await connect("alice");
    const dan = await connect("dan");
    const atDan = nextEvent(dan.socket, "mention");
    const { message } = await ok<Sent>(alice.socket, "broadcast", { text: "hey @dan", mentions: [dan.session.userId] });
    expect(await atDan).toEqual({ message });
  });

  it("when a private message mentions a third person, then only a mentioned participant gets mention and the third learns nothing", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    const carolGot: unknown[] = [];
    carol.socket.on("mention", (n) => carolGot.push(n));
    carol.socket.on("message", (m) => carolGot.push(m));
    const atBob = nextEvent(bob.socket, "mention");
    const { message } = await ok<Sent>(alice.socket, "private message", {
      toUser: bob.session.userId,
      text: "about carol",
      mentions: [carol.session.userId, bob.session.userId],
    });
    expect(await atBob).toEqual({ message });
    await flush(carol.socket);
    expect(carolGot).toEqual([]);
  });

  it("when mentions are more than 20, malformed or operators, then it answers INVALID_INPUT and stores nothing", async () => {
    const room = `mention-bad-${Math.random().toString(36).slice(2, 8)}`;
    const alice = await connect("alice");
    await ok(alice.socket, "join", room);
    const ids = Array.from({ length: 21 }, (_, i) => `user${i}`);
    for (const mentions of [ids, ["bad id"], [{ $gt: "" }], "user1", [""], { $in: ["x"] }]) {
      expect(await call(alice.socket, "message", { room, text: "hi", mentions })).toMatchObject({
        ok: false,
        error: { code: "INVALID_INPUT" },
      });
    }
    expect((await ok<Page>(alice.socket, "history", { room })).messages).toEqual([]);
    expect((await ok<Sent>(alice.socket, "message", { room, text: "ok", mentions: ids.slice(0, 20) })).message.mentions).toHaveLength(20);
  });
});
