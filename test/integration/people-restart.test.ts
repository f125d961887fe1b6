import { afterEach, describe, expect, it } from "vitest";
import type { ChatMessage, Conversation, Page, RoomInfo } from "../../server/protocol.js";
import { connectClient, disconnectAll, ok } from "../helpers/client.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { PERSISTENT_STORES } from "../helpers/stores.js";

type Sent = { message: ChatMessage };

describe.each(PERSISTENT_STORES)("people across a restart on the %s", (_, storeEnv) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    disconnectAll();
    for (const s of servers.splice(0)) await s.close();
  });

  it("when a message to an offline person was sent before the server restarted, then they find it, their conversations, unread counts and search results afterwards", async () => {
    const env = { ...storeEnv(), RATE_LIMIT_BURST: "1000" };
    const first = await startServer({ env });
    const alice = await connectClient(first.url, { name: "alice" });
    const bob = await connectClient(first.url, { name: "bob" });
    await ok(bob.socket, "join", "persist-room");
    const seen = (await ok<Sent>(alice.socket, "broadcast", { text: "seen by bob" })).message;
    await ok(bob.socket, "read", { broadcast: true, upTo: seen.id });
    await ok(bob.socket, "read", { room: "persist-room", upTo: seen.id });
    bob.socket.disconnect();
    const away = (await ok<Sent>(alice.socket, "private message", { toUser: bob.session.userId, text: "while you were away 你好" })).message;
    expect(away.to).toEqual({ userId: bob.session.userId, name: "bob", socketId: "" });
    await ok<Sent>(alice.socket, "broadcast", { text: "news" });
    disconnectAll();
    await first.close();

    const second = await startServer({ env });
    servers.push(second);
    const bobBack = await connectClient(second.url, { name: "bob", token: bob.session.token });
    expect((await ok<Page>(bobBack.socket, "history", { with: alice.session.userId })).messages).toEqual([away]);
    const { conversations } = await ok<{ conversations: Conversation[] }>(bobBack.socket, "conversations");
    expect(conversations).toEqual([{ user: { userId: alice.session.userId, name: "alice" }, last: away, unread: 1, online: false }]);
    const { rooms } = await ok<{ rooms: RoomInfo[] }>(bobBack.socket, "rooms");
    expect(rooms.find((r) => r.name === "persist-room")).toEqual({ name: "persist-room", members: 0, unread: 0 });
    expect((await ok<Page>(bobBack.socket, "search", { q: "AWAY 你好" })).messages).toEqual([away]);

    // A toUser message still finds alice, who has not reconnected since the restart.
    const reply = (await ok<Sent>(bobBack.socket, "private message", { toUser: alice.session.userId, text: "back now" })).message;
    expect(reply.to).toEqual({ userId: alice.session.userId, name: "alice", socketId: "" });
  });
});
