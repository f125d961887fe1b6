/** Protocol v1.2 "Whole histories": `history` with `after` and with `around`, on both stores. */
import { describe, expect, it } from "vitest";
import type { AroundPage, ChatMessage, Page } from "../../server/protocol.js";
import { call, connectClient, ok, type TestSocket } from "../helpers/client.js";
import { STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

type Sent = { message: ChatMessage };

const refused = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });

describe.each(STORES)("history after and around on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({ env: { ...storeEnv(), RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } }));

  const sendMany = async (socket: TestSocket, room: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await ok<Sent>(socket, "message", { room, text: `m${i}` })).message.id);
    return ids;
  };

  it("when paging with after from the first message, then every newer message comes oldest first, and after the last there is nothing", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "onward");
    const ids = await sendMany(alice.socket, "onward", 25);

    const seen = [ids[0]!];
    let hasMore = true;
    while (hasMore) {
      const page = await ok<Page>(alice.socket, "history", { room: "onward", after: seen.at(-1), limit: 10 });
      seen.push(...page.messages.map((m) => m.id));
      hasMore = page.hasMore;
    }
    expect(seen).toEqual(ids);
    expect(await ok<Page>(alice.socket, "history", { room: "onward", after: ids.at(-1), limit: 10 })).toEqual({
      ok: true,
      messages: [],
      hasMore: false,
    });
  });

  it("when asking around a message in the middle, then the older half, the message and the newer rest come oldest first", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "middle");
    const ids = await sendMany(alice.socket, "middle", 30);

    const page = await ok<AroundPage>(alice.socket, "history", { room: "middle", around: ids[15], limit: 10 });
    // ⌊(10 − 1) / 2⌋ = 4 older, the message, 5 newer.
    expect(page.messages.map((m) => m.id)).toEqual(ids.slice(11, 21));
    expect(page).toMatchObject({ hasOlder: true, hasNewer: true });
    expect(page).not.toHaveProperty("hasMore");

    const odd = await ok<AroundPage>(alice.socket, "history", { room: "middle", around: ids[15], limit: 1 });
    expect(odd.messages.map((m) => m.id)).toEqual([ids[15]]);
    expect(odd).toMatchObject({ hasOlder: true, hasNewer: true });
  });

  it("when asking around the first or the last message, then nothing moves to the other side and that side says there is no more", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "edges");
    const ids = await sendMany(alice.socket, "edges", 12);

    const first = await ok<AroundPage>(alice.socket, "history", { room: "edges", around: ids[0], limit: 7 });
    expect(first.messages.map((m) => m.id)).toEqual(ids.slice(0, 4));
    expect(first).toMatchObject({ hasOlder: false, hasNewer: true });

    const last = await ok<AroundPage>(alice.socket, "history", { room: "edges", around: ids[11], limit: 7 });
    expect(last.messages.map((m) => m.id)).toEqual(ids.slice(8));
    expect(last).toMatchObject({ hasOlder: true, hasNewer: false });

    const all = await ok<AroundPage>(alice.socket, "history", { room: "edges", around: ids[6], limit: 100 });
    expect(all.messages.map((m) => m.id)).toEqual(ids);
    expect(all).toMatchObject({ hasOlder: false, hasNewer: false });

    const single = await ok<AroundPage>(alice.socket, "history", { room: "edges", around: ids[0], limit: 1 });
    expect(single).toMatchObject({ hasOlder: false, hasNewer: true });
  });

  it("when asking around a deleted message, then its tombstone stands in the middle", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "gone");
    const ids = await sendMany(alice.socket, "gone", 5);
    const { message: tombstone } = await ok<Sent>(alice.socket, "delete", { id: ids[2] });

    const page = await ok<AroundPage>(alice.socket, "history", { room: "gone", around: ids[2], limit: 3 });
    expect(page.messages.map((m) => m.id)).toEqual(ids.slice(1, 4));
    expect(page.messages[1]).toEqual(tombstone);
    expect(page.messages[1]).toMatchObject({ text: "", deletedAt: expect.any(String) });
  });

  it("when asking around a private message of someone else, or a message of another channel, then the answer is NOT_FOUND", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const carol = await connectClient(env.server.url, { name: "carol" });
    const { message: secret } = await ok<Sent>(alice.socket, "private message", { toUser: bob.session.userId, text: "just us" });
    await ok(alice.socket, "join", "elsewhere");
    const [roomMessage] = await sendMany(alice.socket, "elsewhere", 1);

    // Bob, one of the two, reads it around; carol cannot, whichever conversation she names.
    expect((await ok<AroundPage>(bob.socket, "history", { with: alice.session.userId, around: secret.id })).messages).toEqual([secret]);
    expect(await call(carol.socket, "history", { with: alice.session.userId, around: secret.id })).toEqual(refused("NOT_FOUND"));
    expect(await call(carol.socket, "history", { with: bob.session.userId, around: secret.id })).toEqual(refused("NOT_FOUND"));
    expect(await call(carol.socket, "history", { broadcast: true, around: secret.id })).toEqual(refused("NOT_FOUND"));
    // A room message asked around in another room, and an id nobody stored.
    expect(await call(alice.socket, "history", { room: "chat", around: roomMessage })).toEqual(refused("NOT_FOUND"));
    expect(await call(alice.socket, "history", { room: "elsewhere", around: "0".repeat(24) })).toEqual(refused("NOT_FOUND"));
  });

  it("when before, after, around and changedAfter are combined, or around is malformed, then the answer is INVALID_INPUT", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "mixed");
    const [id] = await sendMany(alice.socket, "mixed", 1);
    for (const extra of [
      { before: id, around: id },
      { after: id, around: id },
      { around: id, changedAfter: id },
      { before: id, after: id },
      { after: id, changedAfter: id },
      { around: "not-an-id" },
      { around: { $gt: "" } },
    ]) {
      expect(await call(alice.socket, "history", { room: "mixed", ...extra })).toEqual(refused("INVALID_INPUT"));
    }
  });
});
