/** Protocol v1.1: edit, delete, react, replyTo, `message updated` and `history` with `changedAfter`. */
import { describe, expect, it } from "vitest";
import { fetchChanges } from "../../public/src/delivery.js";
import type { Ack, ChatMessage, Page } from "../../server/protocol.js";
import { call, connectClient, flush, nextEvent, ok, type Client, type TestSocket } from "../helpers/client.js";
import { STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

type Sent = { message: ChatMessage };

/** Every `message updated` a socket receives. */
function collectUpdates(socket: TestSocket): ChatMessage[] {
  const got: ChatMessage[] = [];
  socket.on("message updated", (m) => got.push(m));
  return got;
}

const refused = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });

describe("edit, delete, react and reply", () => {
  const env = useServer({ env: { RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } });

  /** alice and bob in `room`, carol connected elsewhere. */
  const threePeople = async (room: string) => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const carol = await connectClient(env.server.url, { name: "carol" });
    await ok(alice.socket, "join", room);
    await ok(bob.socket, "join", room);
    return { alice, bob, carol };
  };
  const say = async (who: Client, room: string, text: string) =>
    (await ok<Sent>(who.socket, "message", { room, text })).message;

  it("when the author edits a room message, then the ack and every room member get its new state and nobody else does", async () => {
    const { alice, bob, carol } = await threePeople("edit-room");
    const original = await say(alice, "edit-room", "helo");
    const carolGot = collectUpdates(carol.socket);
    const atBob = nextEvent(bob.socket, "message updated");
    const atAlice = nextEvent(alice.socket, "message updated");
    const { message } = await ok<Sent>(alice.socket, "edit", { id: original.id, text: "  hello  " });
    expect(message).toMatchObject({ id: original.id, text: "hello", createdAt: original.createdAt, from: original.from });
    expect(message.editedAt).toBeDefined();
    expect(message.rev > original.rev).toBe(true);
    expect(await atBob).toEqual(message);
    expect(await atAlice).toEqual(message);
    await flush(carol.socket);
    expect(carolGot).toEqual([]);
    const { messages } = await ok<Page>(carol.socket, "history", { room: "edit-room" });
    expect(messages).toEqual([message]);
  });

  it("when someone else edits or deletes a message, then it is FORBIDDEN and nothing changes", async () => {
    const { alice, bob } = await threePeople("not-yours");
    const original = await say(alice, "not-yours", "mine");
    const seen = collectUpdates(alice.socket);
    expect(await call(bob.socket, "edit", { id: original.id, text: "yours now" })).toEqual(refused("FORBIDDEN"));
    expect(await call(bob.socket, "delete", { id: original.id })).toEqual(refused("FORBIDDEN"));
    await flush(alice.socket);
    expect(seen).toEqual([]);
    expect((await ok<Page>(bob.socket, "history", { room: "not-yours" })).messages).toEqual([original]);
    expect(bob.socket.connected).toBe(true);
  });

  it("when the message is unknown, someone else's private message, or deleted, then edit and react answer NOT_FOUND", async () => {
    const { alice, bob, carol } = await threePeople("missing");
    const unknown = "0123456789abcdef01234567";
    expect(await call(alice.socket, "edit", { id: unknown, text: "x" })).toEqual(refused("NOT_FOUND"));
    expect(await call(alice.socket, "delete", { id: unknown })).toEqual(refused("NOT_FOUND"));
    expect(await call(alice.socket, "react", { id: unknown, emoji: "👍", on: true })).toEqual(refused("NOT_FOUND"));

    const dm = (await ok<Sent>(alice.socket, "private message", { to: bob.socket.id, text: "just us" })).message;
    expect(await call(carol.socket, "react", { id: dm.id, emoji: "👍", on: true })).toEqual(refused("NOT_FOUND"));
    expect(await call(carol.socket, "edit", { id: dm.id, text: "x" })).toEqual(refused("NOT_FOUND"));
    expect(await call(carol.socket, "delete", { id: dm.id })).toEqual(refused("NOT_FOUND"));
    // The recipient may react but not edit.
    expect((await ok<Sent>(bob.socket, "react", { id: dm.id, emoji: "👍", on: true })).message.reactions).toEqual([
      { emoji: "👍", userIds: [bob.session.userId] },
    ]);
    expect(await call(bob.socket, "edit", { id: dm.id, text: "x" })).toEqual(refused("FORBIDDEN"));

    const gone = await say(alice, "missing", "soon gone");
    await ok(alice.socket, "delete", { id: gone.id });
    expect(await call(alice.socket, "edit", { id: gone.id, text: "back" })).toEqual(refused("NOT_FOUND"));
    expect(await call(bob.socket, "react", { id: gone.id, emoji: "👍", on: true })).toEqual(refused("NOT_FOUND"));
    expect(await call(bob.socket, "delete", { id: gone.id })).toEqual(refused("NOT_FOUND"));
  });

  it("when the author deletes a message, then everyone gets a tombstone once, and deleting again acks the same tombstone", async () => {
    const { alice, bob } = await threePeople("tomb");
    const original = await say(alice, "tomb", "oops");
    await ok(bob.socket, "react", { id: original.id, emoji: "😮", on: true });
    const bobSaw = collectUpdates(bob.socket);
    const { message } = await ok<Sent>(alice.socket, "delete", { id: original.id });
    expect(message).toMatchObject({ id: original.id, text: "", from: original.from });
    expect(message.deletedAt).toBeDefined();
    expect(message.reactions).toBeUndefined();
    const again = await ok<Sent>(alice.socket, "delete", { id: original.id });
    expect(again.message).toEqual(message);
    await flush(bob.socket);
    expect(bobSaw).toEqual([message]);
    expect((await ok<Page>(bob.socket, "history", { room: "tomb" })).messages).toEqual([message]);
  });

  it("when people react, then anyone who can read the message may, on and off are idempotent, and only real changes are sent", async () => {
    const { alice, bob, carol } = await threePeople("reacts");
    const original = await say(alice, "reacts", "vote");
    const aliceSaw = collectUpdates(alice.socket);
    // carol never joined: rooms are public, so she may react.
    const first = (await ok<Sent>(carol.socket, "react", { id: original.id, emoji: "👍", on: true })).message;
    expect(first.reactions).toEqual([{ emoji: "👍", userIds: [carol.session.userId] }]);
    const repeat = (await ok<Sent>(carol.socket, "react", { id: original.id, emoji: "👍", on: true })).message;
    expect(repeat).toEqual(first);
    const flag = (await ok<Sent>(bob.socket, "react", { id: original.id, emoji: "🇯🇵", on: true })).message;
    const off = (await ok<Sent>(carol.socket, "react", { id: original.id, emoji: "👍", on: false })).message;
    expect(off.reactions).toEqual([{ emoji: "🇯🇵", userIds: [bob.session.userId] }]);
    const offAgain = (await ok<Sent>(carol.socket, "react", { id: original.id, emoji: "👍", on: false })).message;
    expect(offAgain).toEqual(off);
    await flush(alice.socket);
    expect(aliceSaw).toEqual([first, flag, off]);
    expect(new Set([first.rev, flag.rev, off.rev]).size).toBe(3);
  });

  it("when the payload is malformed or the emoji is not one emoji, then INVALID_INPUT and nothing changes", async () => {
    const { alice, bob } = await threePeople("bad-input");
    const original = await say(alice, "bad-input", "stay");
    const bad: [string, unknown][] = [
      ["react", { id: original.id, emoji: "a", on: true }],
      ["react", { id: original.id, emoji: "", on: true }],
      ["react", { id: original.id, emoji: "👍".repeat(9), on: true }],
      ["react", { id: original.id, emoji: "👍.", on: true }],
      ["react", { id: original.id, emoji: "$👍", on: true }],
      ["react", { id: original.id, emoji: "👍a", on: true }],
      ["react", { id: original.id, emoji: "\ud83d", on: true }],
      ["react", { id: original.id, emoji: "👍", on: "yes" }],
      ["react", { id: original.id, emoji: { $gt: "" }, on: true }],
      ["edit", { id: original.id, text: "   " }],
      ["edit", { id: original.id, text: "x", extra: 1 }],
      ["edit", { id: { $ne: null }, text: "x" }],
      ["delete", { id: original.id.toUpperCase() }],
      ["delete", original.id],
      ["message", { room: "bad-input", text: "x", replyTo: "nope" }],
      ["history", { room: "bad-input", changedAfter: "zz" }],
      ["history", { room: "bad-input", changedAfter: original.rev, before: original.id }],
      ["history", { room: "bad-input", changedAfter: original.rev, after: original.id }],
    ];
    for (const [event, payload] of bad) {
      expect(await call(bob.socket, event, payload), `${event} ${JSON.stringify(payload)}`).toEqual(refused("INVALID_INPUT"));
    }
    expect(bob.socket.connected).toBe(true);
    expect((await ok<Page>(bob.socket, "history", { room: "bad-input" })).messages).toEqual([original]);
    // Emoji made of several code points are one emoji.
    for (const emoji of ["👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🏳️‍🌈"]) {
      await ok(bob.socket, "react", { id: original.id, emoji, on: true });
    }
  });

  it("when a private message is edited, then every socket of both people gets it and a third person does not", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const bobTab = await connectClient(env.server.url, { name: "bob", token: bob.session.token });
    const carol = await connectClient(env.server.url, { name: "carol" });
    const dm = (await ok<Sent>(alice.socket, "private message", { to: bob.socket.id, text: "secret" })).message;
    const carolSaw = collectUpdates(carol.socket);
    const waits = [alice, bob, bobTab].map((c) => nextEvent(c.socket, "message updated"));
    const { message } = await ok<Sent>(alice.socket, "edit", { id: dm.id, text: "secret, edited" });
    for (const got of await Promise.all(waits)) expect(got).toEqual(message);
    await flush(carol.socket);
    expect(carolSaw).toEqual([]);
  });

  it("when a broadcast is reacted to, then everyone connected gets the update", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const carol = await connectClient(env.server.url, { name: "carol" });
    const news = (await ok<Sent>(alice.socket, "broadcast", { text: "news" })).message;
    const waits = [alice, bob, carol].map((c) => nextEvent(c.socket, "message updated", (m) => m.id === news.id));
    const { message } = await ok<Sent>(carol.socket, "react", { id: news.id, emoji: "🎉", on: true });
    for (const got of await Promise.all(waits)) expect(got).toEqual(message);
  });

  it("when replying, then the reply carries a snapshot of a message of the same channel, and anything else is NOT_FOUND", async () => {
    const { alice, bob } = await threePeople("replies");
    await ok(alice.socket, "join", "other-room");
    const long = "长".repeat(150) + "end";
    const question = await say(alice, "replies", long);
    const { message } = await ok<Sent>(bob.socket, "message", { room: "replies", text: "answer", replyTo: question.id });
    expect(message.replyTo).toEqual({ id: question.id, from: question.from, text: "长".repeat(140) });
    // The snapshot stays as it was when the original changes later.
    await ok(alice.socket, "edit", { id: question.id, text: "changed" });
    expect((await ok<Page>(bob.socket, "history", { room: "replies" })).messages.at(-1)!.replyTo?.text).toBe("长".repeat(140));

    const elsewhere = await say(alice, "other-room", "elsewhere");
    expect(await call(alice.socket, "message", { room: "replies", text: "x", replyTo: elsewhere.id })).toEqual(
      refused("NOT_FOUND"),
    );
    const dm = (await ok<Sent>(alice.socket, "private message", { to: bob.socket.id, text: "dm" })).message;
    expect(await call(alice.socket, "message", { room: "replies", text: "x", replyTo: dm.id })).toEqual(refused("NOT_FOUND"));
    expect(await call(alice.socket, "broadcast", { text: "x", replyTo: question.id })).toEqual(refused("NOT_FOUND"));
    const deleted = await say(alice, "replies", "to be deleted");
    await ok(alice.socket, "delete", { id: deleted.id });
    expect(await call(bob.socket, "message", { room: "replies", text: "x", replyTo: deleted.id })).toEqual(
      refused("NOT_FOUND"),
    );

    const dmReply = (await ok<Sent>(bob.socket, "private message", { to: alice.socket.id, text: "re", replyTo: dm.id })).message;
    expect(dmReply.replyTo).toEqual({ id: dm.id, from: dm.from, text: "dm" });
    const news = (await ok<Sent>(bob.socket, "broadcast", { text: "news" })).message;
    const comment = (await ok<Sent>(alice.socket, "broadcast", { text: "nice", replyTo: news.id })).message;
    expect(comment.replyTo?.id).toBe(news.id);
    // Nothing was stored for the refused replies.
    const texts = (await ok<Page>(bob.socket, "history", { room: "replies" })).messages.map((m) => m.text);
    expect(texts).toEqual(["changed", "answer", ""]);
  });

  it("when someone reconnects after missing an edit, a delete, a reaction and a new message, then changedAfter brings them all, once", async () => {
    const { alice, bob } = await threePeople("away");
    const kept = await say(bob, "away", "will be edited");
    const doomed = await say(bob, "away", "will be deleted");
    const liked = await say(bob, "away", "will be liked");
    // alice's view: what she holds, replaced by id, as the page does.
    const view = new Map<string, ChatMessage>();
    for (const m of (await ok<Page>(alice.socket, "history", { room: "away" })).messages) view.set(m.id, m);
    const lastRev = [...view.values()].map((m) => m.rev).sort().at(-1)!;
    const token = alice.session.token;
    alice.socket.disconnect();

    await ok(bob.socket, "edit", { id: kept.id, text: "edited while you were away" });
    await ok(bob.socket, "delete", { id: doomed.id });
    const stranger = await connectClient(env.server.url, { name: "dave" });
    await ok(stranger.socket, "react", { id: liked.id, emoji: "💯", on: true });
    await say(bob, "away", "new while you were away");

    const back = await connectClient(env.server.url, { name: "alice", token });
    const history = (q: object) => call(back.socket, "history", q) as Promise<Ack<Page>>;
    const res = await fetchChanges(history, { room: "away" }, lastRev);
    expect(res.ok && res.complete).toBe(true);
    if (!res.ok) return;
    const ids = res.messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of res.messages) view.set(m.id, m);
    const stored = (await ok<Page>(bob.socket, "history", { room: "away" })).messages;
    expect([...view.values()].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(stored);
    expect(view.get(doomed.id)).toMatchObject({ text: "" });
    expect(view.get(liked.id)?.reactions).toEqual([{ emoji: "💯", userIds: [stranger.session.userId] }]);
  });
});

describe("limits on changes", () => {
  const env = useServer({ env: { RATE_LIMIT_BURST: "3", RATE_LIMIT_PER_SECOND: "1" } });

  it("when someone changes messages faster than they may send, then they get RATE_LIMITED and the rest is kept", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "fast");
    const { message } = await ok<Sent>(alice.socket, "message", { room: "fast", text: "spam target" });
    const answers = [];
    for (const emoji of ["😀", "😃", "😄", "😁"]) answers.push(await call(alice.socket, "react", { id: message.id, emoji, on: true }));
    expect(answers.slice(0, 3).every((a) => (a as { ok: boolean }).ok)).toBe(true);
    expect(answers[3]).toEqual(refused("RATE_LIMITED"));
    const { messages } = await ok<Page>(alice.socket, "history", { room: "fast" });
    expect(messages[0]!.reactions?.map((r) => r.emoji)).toEqual(["😀", "😃", "😄"]);
  });
});

describe.each(STORES)("quotes of deleted messages and reaction limits on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({ env: { ...storeEnv(), RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } }));

  /** A word no other test writes, so that search results are this test's own. */
  const unique = () => `w${Math.random().toString(36).slice(2, 10)}`;
  const say = async (who: Client, room: string, text: string, replyTo?: string) =>
    (await ok<Sent>(who.socket, "message", { room, text, ...(replyTo ? { replyTo } : {}) })).message;
  const twoInRoom = async (room: string) => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(alice.socket, "join", room);
    await ok(bob.socket, "join", room);
    return { alice, bob };
  };
  const withdrawn = (quoted: ChatMessage) => ({ id: quoted.id, from: quoted.from, text: "", deleted: true });

  it("when a quoted message is deleted, then every reply to it loses the quoted text in history, changes and search, each sent once as updated", async () => {
    const { alice, bob } = await twoInRoom("quotes");
    const secret = unique();
    const own = unique();
    const quoted = await say(alice, "quotes", `the code is ${secret}`);
    const other = await say(alice, "quotes", "something else");
    const reply = await say(bob, "quotes", `noted ${own}`, quoted.id);
    const second = await say(alice, "quotes", "me too", quoted.id);
    const unrelated = await say(bob, "quotes", "what else?", other.id);
    expect(reply.replyTo).toEqual({ id: quoted.id, from: quoted.from, text: `the code is ${secret}` });
    const cursor = unrelated.rev;
    const bobSaw = collectUpdates(bob.socket);

    const { message: tombstone } = await ok<Sent>(alice.socket, "delete", { id: quoted.id });

    await flush(bob.socket);
    expect(bobSaw.map((m) => m.id).sort()).toEqual([quoted.id, reply.id, second.id].sort());
    expect(bobSaw.find((m) => m.id === quoted.id)).toEqual(tombstone);
    const replyNow = bobSaw.find((m) => m.id === reply.id)!;
    expect(replyNow).toEqual({ ...reply, replyTo: withdrawn(quoted), rev: replyNow.rev });
    expect(replyNow.rev > reply.rev).toBe(true);
    expect(bobSaw.find((m) => m.id === second.id)?.replyTo).toEqual(withdrawn(quoted));

    const history = (await ok<Page>(bob.socket, "history", { room: "quotes" })).messages;
    expect(history.find((m) => m.id === reply.id)).toEqual(replyNow);
    expect(history.find((m) => m.id === unrelated.id)).toEqual(unrelated);
    expect(JSON.stringify(history)).not.toContain(secret);
    const changes = (await ok<Page>(bob.socket, "history", { room: "quotes", changedAfter: cursor })).messages;
    expect(changes.map((m) => m.id).sort()).toEqual([quoted.id, reply.id, second.id].sort());
    expect(JSON.stringify(changes)).not.toContain(secret);
    expect((await ok<Page>(bob.socket, "search", { q: secret })).messages).toEqual([]);
    expect((await ok<Page>(bob.socket, "search", { q: own })).messages).toEqual([replyNow]);

    // Deleting again acks the same tombstone and sends nothing: the quotes are withdrawn already.
    expect((await ok<Sent>(alice.socket, "delete", { id: quoted.id })).message).toEqual(tombstone);
    await flush(bob.socket);
    expect(bobSaw).toHaveLength(3);
  });

  it("when the server stopped between deleting a message and withdrawing its quotes, then the author deleting it again withdraws them", async () => {
    const { alice, bob } = await twoInRoom("half-done");
    const quoted = await say(alice, "half-done", "private matter");
    const reply = await say(bob, "half-done", "understood", quoted.id);
    // As a crash right after the tombstone was written would leave it: the reply still quotes the text.
    const stored = await env.server.chat.storage.messages.change(quoted.id, { kind: "delete", at: new Date().toISOString() }, () => {});
    const before = (await ok<Page>(bob.socket, "history", { room: "half-done" })).messages;
    expect(before.find((m) => m.id === reply.id)?.replyTo?.text).toBe("private matter");
    const bobSaw = collectUpdates(bob.socket);

    const { message } = await ok<Sent>(alice.socket, "delete", { id: quoted.id });

    expect(message).toEqual(stored!.message);
    await flush(bob.socket);
    expect(bobSaw).toHaveLength(1);
    expect(bobSaw[0]).toEqual({ ...reply, replyTo: withdrawn(quoted), rev: bobSaw[0]!.rev });
    const after = (await ok<Page>(bob.socket, "history", { room: "half-done" })).messages;
    expect(after.find((m) => m.id === reply.id)).toEqual(bobSaw[0]);
  });

  it("when a message carries 20 different emoji, then a 21st is INVALID_INPUT, joining one of them still works, and removing one makes room", async () => {
    const { alice, bob } = await twoInRoom("many-emoji");
    const original = await say(alice, "many-emoji", "react away");
    const twenty = ["👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "👀", "🔥", "✅", "🇫🇷", "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "©️", "🚀", "💯", "🤔", "🙌", "😀"];
    for (const emoji of twenty) await ok(alice.socket, "react", { id: original.id, emoji, on: true });

    const refusedAnswer = (await call(bob.socket, "react", { id: original.id, emoji: "🍕", on: true })) as Ack<Sent>;
    expect(refusedAnswer).toEqual(refused("INVALID_INPUT"));
    expect(!refusedAnswer.ok && refusedAnswer.error.message).toMatch(/at most 20 different emoji/);
    const joined = (await ok<Sent>(bob.socket, "react", { id: original.id, emoji: "🚀", on: true })).message;
    expect(joined.reactions?.map((r) => r.emoji)).toEqual(twenty);
    expect(joined.reactions?.find((r) => r.emoji === "🚀")?.userIds).toEqual([alice.session.userId, bob.session.userId]);

    await ok(alice.socket, "react", { id: original.id, emoji: "🤔", on: false });
    const pizza = (await ok<Sent>(bob.socket, "react", { id: original.id, emoji: "🍕", on: true })).message;
    expect(pizza.reactions).toHaveLength(20);
    expect(pizza.reactions?.at(-1)).toEqual({ emoji: "🍕", userIds: [bob.session.userId] });
    expect(await call(alice.socket, "react", { id: original.id, emoji: "🤔", on: true })).toEqual(refused("INVALID_INPUT"));
    expect((await ok<Page>(alice.socket, "history", { room: "many-emoji" })).messages).toEqual([pizza]);
  });

  it("when the emoji is not exactly one RGI emoji, then react is INVALID_INPUT and nothing changes", async () => {
    const { alice, bob } = await twoInRoom("odd-emoji");
    const original = await say(alice, "odd-emoji", "hmm");
    for (const emoji of ["👍\u200d", "👍👍", "👍\ufe0f", "\ufe0f👍", "🇫", "🇫🇷🇫", "1\ufe0f\u20e3", "🏽"]) {
      expect(await call(bob.socket, "react", { id: original.id, emoji, on: true }), JSON.stringify(emoji)).toEqual(refused("INVALID_INPUT"));
    }
    expect((await ok<Page>(alice.socket, "history", { room: "odd-emoji" })).messages).toEqual([original]);
  });
});
