import { describe, expect, it } from "vitest";
import type { ChatMessage, Page } from "../../server/protocol.js";
import { call, connectClient, nextEvent, ok, type TestSocket } from "../helpers/client.js";
import { useServer } from "../helpers/use-server.js";

type Sent = { message: ChatMessage };

describe("history and typing", () => {
  const env = useServer({ env: { RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } });

  const sendMany = async (socket: TestSocket, room: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await ok<Sent>(socket, "message", { room, text: `m${i}` })).message.id);
    return ids;
  };

  it("when a room has more than a page, then join returns the newest 50 oldest-first and before pages back without gaps", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "paged");
    const ids = await sendMany(alice.socket, "paged", 120);

    const bob = await connectClient(env.server.url, { name: "bob" });
    const joined = await ok<{ history: ChatMessage[] }>(bob.socket, "join", "paged");
    expect(joined.history.map((m) => m.id)).toEqual(ids.slice(70));

    const seen: string[] = joined.history.map((m) => m.id);
    let before = seen[0];
    let hasMore = true;
    while (hasMore) {
      const page = await ok<Page>(bob.socket, "history", { room: "paged", before, limit: 30 });
      expect(page.messages.every((m) => m.id < before!)).toBe(true);
      seen.unshift(...page.messages.map((m) => m.id));
      hasMore = page.hasMore;
      before = page.messages[0]?.id;
    }
    expect(seen).toEqual(ids);
  });

  it("when asking for a room that does not exist, then history answers NOT_FOUND", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    expect(await call(alice.socket, "history", { room: "never-made" })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
  });

  it("when three people exchange private messages, then each conversation's history is visible to its two participants only", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const carol = await connectClient(env.server.url, { name: "carol" });
    const ab = await ok<Sent>(alice.socket, "private message", { to: bob.socket.id, text: "alice→bob" });
    const ba = await ok<Sent>(bob.socket, "private message", { to: alice.socket.id, text: "bob→alice" });
    await ok<Sent>(carol.socket, "private message", { to: bob.socket.id, text: "carol→bob" });

    const forAlice = await ok<Page>(alice.socket, "history", { with: bob.session.userId });
    const forBob = await ok<Page>(bob.socket, "history", { with: alice.session.userId });
    expect(forAlice.messages).toEqual([ab.message, ba.message]);
    expect(forBob.messages).toEqual([ab.message, ba.message]);

    // Carol asking about alice or bob only ever sees her own conversations.
    const carolWithAlice = await ok<Page>(carol.socket, "history", { with: alice.session.userId });
    expect(carolWithAlice.messages).toEqual([]);
    const carolWithBob = await ok<Page>(carol.socket, "history", { with: bob.session.userId });
    expect(carolWithBob.messages.map((m) => m.text)).toEqual(["carol→bob"]);
  });

  it("when broadcasts were sent, then broadcast history returns them", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const sent = await ok<Sent>(alice.socket, "broadcast", { text: "to all, for the record" });
    const page = await ok<Page>(alice.socket, "history", { broadcast: true, limit: 100 });
    expect(page.messages.at(-1)).toEqual(sent.message);
  });

  it("when someone types in a room, then the others in it are told and the typist is not", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(alice.socket, "join", "typing");
    await ok(bob.socket, "join", "typing");
    let aliceSawOwn = false;
    alice.socket.on("typing", () => (aliceSawOwn = true));
    const notice = nextEvent(bob.socket, "typing");
    alice.socket.emit("typing", { room: "typing", typing: true });
    expect(await notice).toEqual({
      room: "typing",
      typing: true,
      user: { userId: alice.session.userId, name: "alice", socketId: alice.socket.id },
    });
    await ok(alice.socket, "typing", { room: "typing", typing: false });
    expect(aliceSawOwn).toBe(false);
    expect(await call(alice.socket, "typing", { room: "elsewhere", typing: true })).toMatchObject({
      ok: false,
      error: { code: "NOT_IN_ROOM" },
    });
  });
});
