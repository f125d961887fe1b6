import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../server/protocol.js";
import { call, collectMessages, connectClient, flush, nextEvent, ok } from "../helpers/client.js";
import { useServer } from "../helpers/use-server.js";

type Sent = { message: ChatMessage };

describe("room, broadcast and private messages", () => {
  const env = useServer({ env: { RATE_LIMIT_BURST: "10", RATE_LIMIT_PER_SECOND: "1" } });

  it("when someone sends to a room, then every socket in it gets it, the sender included, and no one outside", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const outsider = await connectClient(env.server.url, { name: "carol" });
    await ok(alice.socket, "join", "chat");
    await ok(bob.socket, "join", "chat");
    await ok(outsider.socket, "join", "study");
    const outsiderGot = collectMessages(outsider.socket);
    const bobGets = nextEvent(bob.socket, "message");
    const aliceGets = nextEvent(alice.socket, "message");

    const { message } = await ok<Sent>(alice.socket, "message", { room: "chat", text: "  hello room  ", clientId: "m-1" });
    expect(message).toMatchObject({
      kind: "room",
      room: "chat",
      text: "hello room",
      clientId: "m-1",
      from: { userId: alice.session.userId, name: "alice", socketId: alice.socket.id },
    });
    expect(message.id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Date(message.createdAt).toISOString()).toBe(message.createdAt);
    expect(await bobGets).toEqual(message);
    expect(await aliceGets).toEqual(message);
    await flush(outsider.socket);
    expect(outsiderGot).toEqual([]);
  });

  it("when someone sends to a room they have not joined, then it answers NOT_IN_ROOM and delivers nothing", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(bob.socket, "join", "study");
    const bobGot = collectMessages(bob.socket);
    const res = await call(alice.socket, "message", { room: "study", text: "sneaky" });
    expect(res).toMatchObject({ ok: false, error: { code: "NOT_IN_ROOM" } });
    await flush(bob.socket);
    expect(bobGot).toEqual([]);
  });

  it("when someone broadcasts, then every connected socket gets it, in any room or none", async () => {
    const clients = await Promise.all(["a", "b", "c"].map((name) => connectClient(env.server.url, { name })));
    await ok(clients[1]!.socket, "join", "study");
    const received = clients.map((c) => nextEvent(c.socket, "message", (m) => m.kind === "broadcast"));
    const { message } = await ok<Sent>(clients[0]!.socket, "broadcast", { text: "hello everyone" });
    expect(message.kind).toBe("broadcast");
    expect(message.room).toBeUndefined();
    for (const got of await Promise.all(received)) expect(got).toEqual(message);
  });

  it("when someone messages a socket privately, then only the recipient's sockets and the sender's get it", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const aliceTab2 = await connectClient(env.server.url, { name: "alice", token: alice.session.token });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const bobTab2 = await connectClient(env.server.url, { name: "bob", token: bob.session.token });
    const carol = await connectClient(env.server.url, { name: "carol" });
    for (const c of [alice, bob, carol]) await ok(c.socket, "join", "chat");
    const carolGot = collectMessages(carol.socket);
    const expecting = [alice, aliceTab2, bob, bobTab2].map((c) => nextEvent(c.socket, "message"));

    const { message } = await ok<Sent>(alice.socket, "private message", { to: bob.socket.id, text: "psst" });
    expect(message).toMatchObject({
      kind: "private",
      text: "psst",
      from: { userId: alice.session.userId, socketId: alice.socket.id },
      to: { userId: bob.session.userId, name: "bob", socketId: bob.socket.id },
    });
    for (const got of await Promise.all(expecting)) expect(got).toEqual(message);
    await flush(carol.socket);
    expect(carolGot).toEqual([]);
  });

  it("when the private recipient is not connected, then it answers NOT_FOUND", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const gone = bob.socket.id!;
    bob.socket.disconnect();
    await new Promise((r) => setTimeout(r, 50));
    for (const to of [gone, "nobodyHasThisId000"]) {
      expect(await call(alice.socket, "private message", { to, text: "hi" })).toMatchObject({
        ok: false,
        error: { code: "NOT_FOUND" },
      });
    }
  });

  it("when a message is resent with the same clientId, then it is stored and delivered once and acked with the original", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(alice.socket, "join", "idem");
    await ok(bob.socket, "join", "idem");
    const bobGot = collectMessages(bob.socket);
    const first = await ok<Sent>(alice.socket, "message", { room: "idem", text: "once", clientId: "retry-1" });
    const second = await ok<Sent>(alice.socket, "message", { room: "idem", text: "once", clientId: "retry-1" });
    const concurrent = await Promise.all(
      [1, 2, 3].map(() => ok<Sent>(alice.socket, "message", { room: "idem", text: "once", clientId: "retry-1" })),
    );
    expect(second.message).toEqual(first.message);
    for (const c of concurrent) expect(c.message).toEqual(first.message);
    await flush(bob.socket);
    expect(bobGot).toEqual([first.message]);
    const { messages } = await ok<{ messages: ChatMessage[] }>(alice.socket, "history", { room: "idem" });
    expect(messages).toEqual([first.message]);
  });

  it("when a retry can no longer be sent (left the room, recipient gone), then it is still acked with the original", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(alice.socket, "join", "retry-room");
    const first = await ok<Sent>(alice.socket, "message", { room: "retry-room", text: "hi", clientId: "late-1" });
    await ok(alice.socket, "leave", "retry-room");
    const again = await ok<Sent>(alice.socket, "message", { room: "retry-room", text: "hi", clientId: "late-1" });
    expect(again.message).toEqual(first.message);
    expect(await call(alice.socket, "message", { room: "retry-room", text: "new" })).toMatchObject({
      ok: false,
      error: { code: "NOT_IN_ROOM" },
    });

    const dm = await ok<Sent>(alice.socket, "private message", { to: bob.socket.id, text: "psst", clientId: "late-2" });
    const bobId = bob.socket.id;
    bob.socket.disconnect();
    await new Promise((r) => setTimeout(r, 50));
    const dmAgain = await ok<Sent>(alice.socket, "private message", { to: bobId, text: "psst", clientId: "late-2" });
    expect(dmAgain.message).toEqual(dm.message);
  });

  it("when the same clientId comes from another user, then it is a different message", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const a = await ok<Sent>(alice.socket, "broadcast", { text: "a", clientId: "shared" });
    const b = await ok<Sent>(bob.socket, "broadcast", { text: "b", clientId: "shared" });
    expect(a.message.id).not.toBe(b.message.id);
  });

  it("when payloads are malformed, then each is refused with INVALID_INPUT, nothing is stored and the socket stays", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "malformed");
    const bad: [string, unknown][] = [
      ["message", { room: "malformed" }],
      ["message", { room: "malformed", text: "" }],
      ["message", { room: "malformed", text: "   " }],
      ["message", { room: "malformed", text: "x".repeat(2001) }],
      ["message", { room: "malformed", text: { $gt: "" } }],
      ["message", { room: { $ne: null }, text: "hi" }],
      ["message", { room: "malformed", text: "hi", from: { userId: "someone-else" } }],
      ["message", { room: "malformed", text: "hi", clientId: "has spaces" }],
      ["message", { room: "malformed", text: "hi", clientId: "x".repeat(65) }],
      ["message", "just a string"],
      ["message", ["malformed", "hi"]],
      ["message", null],
      ["broadcast", { text: ["array"] }],
      ["broadcast", { text: "\ud800 lone surrogate" }],
      ["private message", { to: { $gt: "" }, text: "hi" }],
      ["private message", { to: alice.socket.id, text: 5 }],
      ["history", { room: "malformed", limit: 0 }],
      ["history", { room: "malformed", limit: 1000 }],
      ["history", { room: "malformed", before: "not-an-id" }],
      ["history", { room: "malformed", with: "x" }],
      ["history", {}],
      ["typing", { room: "malformed", typing: "yes" }],
    ];
    for (const [event, payload] of bad) {
      const res = await call(alice.socket, event, payload);
      expect(res, `${event} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
      expect((res as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
    }
    expect(alice.socket.connected).toBe(true);
    const { messages } = await ok<{ messages: ChatMessage[] }>(alice.socket, "history", { room: "malformed" });
    expect(messages).toEqual([]);
  });

  it("when an event comes without an ack or is unknown, then it is ignored and counted", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "noack");
    const before = { ...env.server.chat.stats };
    (alice.socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit("message", { room: "noack", text: "x" });
    (alice.socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit("drop tables", { all: true });
    await flush(alice.socket);
    expect(env.server.chat.stats.missingAck).toBe(before.missingAck + 1);
    expect(env.server.chat.stats.unknownEvents).toBe(before.unknownEvents + 1);
    const { messages } = await ok<{ messages: ChatMessage[] }>(alice.socket, "history", { room: "noack" });
    expect(messages).toEqual([]);
  });

  it("when someone sends faster than the limit, then extra sends answer RATE_LIMITED and others are unaffected", async () => {
    const flooder = await connectClient(env.server.url, { name: "flood" });
    const calm = await connectClient(env.server.url, { name: "calm" });
    const results = (await Promise.all(
      Array.from({ length: 15 }, (_, i) => call(flooder.socket, "broadcast", { text: `spam ${i}` })),
    )) as { ok: boolean; error?: { code: string } }[];
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => r.error?.code === "RATE_LIMITED")).toHaveLength(5);
    expect(await ok<Sent>(calm.socket, "broadcast", { text: "still fine" })).toMatchObject({ ok: true });
  });
});
