import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage, Page } from "../../server/protocol.js";
import { call, connectClient, disconnectAll, ok, type Client } from "../helpers/client.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { STORES } from "../helpers/stores.js";

type Sent = { message: ChatMessage };

/** A word no other test writes, so that results are this test's own. */
const unique = () => `w${Math.random().toString(36).slice(2, 10)}`;

describe.each(STORES)("search on the %s", (_store, storeEnv) => {
  let server: TestServer;
  let alice: Client;
  let bob: Client;
  let carol: Client;
  beforeAll(async () => {
    server = await startServer({ env: { ...storeEnv(), RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" } });
  });
  beforeEach(async () => {
    alice = await connectClient(server.url, { name: "alice" });
    bob = await connectClient(server.url, { name: "bob" });
    carol = await connectClient(server.url, { name: "carol" });
  });
  afterEach(disconnectAll);
  afterAll(() => server.close());

  const say = async (c: Client, room: string, text: string) => (await ok<Sent>(c.socket, "message", { room, text })).message;
  const search = (c: Client, query: object) => ok<Page>(c.socket, "search", query);

  it("when searching, then messages with every word match case-insensitively, newest first, and others do not", async () => {
    const w = unique();
    await ok(alice.socket, "join", "chat");
    const a = await say(alice, "chat", `Lunch ${w} at noon`);
    await say(alice, "chat", `${w} dinner only`);
    await say(alice, "chat", `brunch ${w}`);
    const box = await say(alice, "chat", `lunchbox ${w}`);
    const b = (await ok<Sent>(bob.socket, "broadcast", { text: `LUNCH! ${w.toUpperCase()}` })).message;
    const { messages, hasMore } = await search(carol, { q: `lunch ${w}` });
    expect(messages).toEqual([b, box, a]);
    expect(hasMore).toBe(false);
    expect((await search(carol, { q: `  ${w.toUpperCase()}   LUNCH ` })).messages).toEqual([b, box, a]);
  });

  it("when searching Chinese or Japanese text, then a run of characters matches as a substring", async () => {
    const w = unique();
    await ok(alice.socket, "join", "study");
    const tokyo = await say(alice, "study", `${w} 我住在東京都的新宿`);
    const kyoto = await say(alice, "study", `${w} 京都和東京`);
    await say(alice, "study", `${w} 東 京 都`);
    expect((await search(bob, { q: `東京都 ${w}` })).messages).toEqual([tokyo]);
    expect((await search(bob, { q: `東京 ${w}` })).messages).toEqual([kyoto, tokyo]);
    expect((await search(bob, { q: `${w} 京都` })).messages).toEqual([kyoto, tokyo]);
    const jp = await say(alice, "study", `${w}すしを食べたい`);
    expect((await search(bob, { q: "すしを食べ" })).messages).toContainEqual(jp);
  });

  it("when a message is edited or deleted, then search finds its current text only, and never a deleted one", async () => {
    const w = unique();
    await ok(alice.socket, "join", "chat");
    const typo = await say(alice, "chat", `${w} recieve 书法`);
    const gone = await say(alice, "chat", `${w} delete me`);
    const edited = (await ok<Sent>(alice.socket, "edit", { id: typo.id, text: `${w} receive 绘画` })).message;
    await ok(alice.socket, "delete", { id: gone.id });
    expect((await search(bob, { q: `${w} recieve` })).messages).toEqual([]);
    expect((await search(bob, { q: `${w} 书法` })).messages).toEqual([]);
    expect((await search(bob, { q: `${w} receive` })).messages).toEqual([edited]);
    expect((await search(bob, { q: `绘 ${w}` })).messages).toEqual([edited]);
    expect((await search(bob, { q: `${w} delete` })).messages).toEqual([]);
    expect((await search(bob, { q: w })).messages).toEqual([edited]);
  });

  it("when a one-character Chinese query is searched, then it is found inside longer words", async () => {
    const w = unique();
    await ok(alice.socket, "join", "study");
    const club = await say(alice, "study", `${w} 周五的读书会`);
    await say(alice, "study", `${w} 周五的读报会`);
    expect((await search(bob, { q: `书 ${w}` })).messages).toEqual([club]);
  });

  it("when a third person searches, then they never find a private message, while its two participants do", async () => {
    const w = unique();
    const dm = (await ok<Sent>(alice.socket, "private message", { toUser: bob.session.userId, text: `secret ${w}` })).message;
    expect((await search(alice, { q: w })).messages).toEqual([dm]);
    expect((await search(bob, { q: `SECRET ${w}` })).messages).toEqual([dm]);
    expect((await search(bob, { q: w, with: alice.session.userId })).messages).toEqual([dm]);
    expect((await search(carol, { q: w })).messages).toEqual([]);
    // Naming one of them as the conversation means carol's own conversation with them: empty.
    expect((await search(carol, { q: w, with: alice.session.userId })).messages).toEqual([]);
    expect((await search(carol, { q: w, with: bob.session.userId })).messages).toEqual([]);
  });

  it("when results span pages, then before pages back newest first without gaps and hasMore is exact", async () => {
    const w = unique();
    const room = `search-${unique()}`;
    await ok(alice.socket, "join", room);
    const sent: ChatMessage[] = [];
    for (let i = 0; i < 12; i++) sent.push(await say(alice, room, `${w} number ${i}`));
    const newestFirst = [...sent].reverse();
    const first = await search(bob, { q: w, limit: 5 });
    expect(first).toEqual({ ok: true, messages: newestFirst.slice(0, 5), hasMore: true });
    const second = await search(bob, { q: w, limit: 5, before: first.messages.at(-1)!.id });
    expect(second).toEqual({ ok: true, messages: newestFirst.slice(5, 10), hasMore: true });
    const third = await search(bob, { q: w, limit: 5, before: second.messages.at(-1)!.id });
    expect(third).toEqual({ ok: true, messages: newestFirst.slice(10), hasMore: false });
  });

  it("when narrowed to one room or to broadcasts, then only that channel's messages match", async () => {
    const w = unique();
    const room = `narrow-${unique()}`;
    await ok(alice.socket, "join", room);
    await ok(alice.socket, "join", "chat");
    const inRoom = await say(alice, room, `${w} here`);
    await say(alice, "chat", `${w} there`);
    const everywhere = (await ok<Sent>(alice.socket, "broadcast", { text: `${w} everywhere` })).message;
    expect((await search(bob, { q: w, room })).messages).toEqual([inRoom]);
    expect((await search(bob, { q: w, broadcast: true })).messages).toEqual([everywhere]);
    expect((await search(bob, { q: w })).messages).toHaveLength(3);
    expect(await call(bob.socket, "search", { q: w, room: "no-such-room-here" })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
  });

  it("when a query word is the start of a word, then it finds it; inside a word, it does not", async () => {
    const w = unique();
    await ok(alice.socket, "join", "chat");
    const meeting = await say(alice, "chat", `Meeting tomorrow ${w}`);
    const meet = await say(alice, "chat", `let's meet ${w}`);
    await say(alice, "chat", `greet everyone ${w}`);
    expect((await search(bob, { q: `meet ${w}` })).messages).toEqual([meet, meeting]);
    expect((await search(bob, { q: `MEETING ${w}` })).messages).toEqual([meeting]);
    expect((await search(bob, { q: `eting ${w}` })).messages).toEqual([]);
    expect((await search(bob, { q: `eet ${w}` })).messages).toEqual([]);
    // The unique word itself by its first letters, and by one.
    expect((await search(bob, { q: `${w.slice(0, 5)} me` })).messages).toEqual([meet, meeting]);
    expect((await search(bob, { q: `m ${w}` })).messages).toEqual([meet, meeting]);
  });

  it("when the query has no letter or digit, then it finds nothing, without an error", async () => {
    await ok(alice.socket, "join", "chat");
    await say(alice, "chat", "!!! ??? ...");
    for (const q of ["!!!", "   ?", "?!…", ".*", "(+)+", "😀"]) {
      expect(await call(bob.socket, "search", { q }), q).toEqual({ ok: true, messages: [], hasMore: false });
    }
    expect(await call(bob.socket, "search", { q: "!!!", room: "chat" })).toEqual({ ok: true, messages: [], hasMore: false });
    // The narrowing is still checked.
    expect(await call(bob.socket, "search", { q: "!!!", room: "no-such-room-here" })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
  });

  it("when the query is empty, too long, not a string or an operator, then INVALID_INPUT and the connection stays up", async () => {
    for (const query of [
      { q: "" },
      { q: "   " },
      { q: "x".repeat(101) },
      { q: { $regex: ".*" } },
      { q: ["a"] },
      { q: 5 },
      { q: "a", limit: 0 },
      { q: "a", limit: 101 },
      { q: "a", before: "nope" },
      { q: "a", room: "chat", broadcast: true },
      { q: "a", extra: true },
      {},
    ]) {
      expect(await call(alice.socket, "search", query), JSON.stringify(query)).toMatchObject({
        ok: false,
        error: { code: "INVALID_INPUT" },
      });
    }
    expect(alice.socket.connected).toBe(true);
    expect(await search(alice, { q: "字".repeat(100) })).toMatchObject({ ok: true });
  });
});
