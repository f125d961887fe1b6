import mongoose, { type Connection } from "mongoose";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../server/logger.js";
import { roomChannel } from "../../server/channels/channel.js";
import { messageSchema, models } from "../../server/messages/message.model.js";
import { SEARCH_MAX_CANDIDATES, searchMongo, termFilter } from "../../server/messages/mongo-search.js";
import { SEARCH_MAX_TERMS, searchMatcher } from "../../server/messages/search-terms.js";
import { MongoStorage } from "../../server/storage/mongo-storage.js";
import { freshDatabaseUri } from "../helpers/mongo.js";
import { describeAccountStoreContract } from "../helpers/account-store-contract.js";
import { describeAttachmentStoreContract } from "../helpers/attachment-store-contract.js";
import { describePeopleStoreContract } from "../helpers/people-store-contract.js";
import { describeRoomStoreContract } from "../helpers/room-store-contract.js";
import { roomMessageBuilder } from "../helpers/messages.js";
import { describeStoreContract } from "../helpers/store-contract.js";

const logger = createLogger({ logLevel: "silent", env: "test" });
const alice = { userId: "aliceAAAAAAAAAAA", name: "alice", socketId: "sockA" };
const bob = { userId: "bobBBBBBBBBBBBBB", name: "bob", socketId: "sockB" };

describeStoreContract("mongo", async () => new MongoStorage(freshDatabaseUri(), logger));
describePeopleStoreContract("mongo", async () => new MongoStorage(freshDatabaseUri(), logger));
describeRoomStoreContract("mongo", async () => new MongoStorage(freshDatabaseUri(), logger));
describeAccountStoreContract("mongo", async () => new MongoStorage(freshDatabaseUri(), logger));
describeAttachmentStoreContract("mongo", async () => new MongoStorage(freshDatabaseUri(), logger));

/** A store initialised on a fresh database, and a connection of its own to that database. */
async function storeWithConnection(): Promise<{ store: MongoStorage; conn: Connection }> {
  const uri = freshDatabaseUri();
  const store = new MongoStorage(uri, logger);
  await store.init();
  return { store, conn: await mongoose.createConnection(uri).asPromise() };
}

describe("MongoStorage specifics", () => {
  it("when the indexes are created, then pages, idempotency, search and conversation lists are served by them", async () => {
    const { store, conn } = await storeWithConnection();
    try {
      const indexes = await conn.db!.collection("messages").indexes();
      const conversationIndexes = await conn.db!.collection("conversations").indexes();
      await conn.close();
      const byKey = Object.fromEntries(indexes.map((i) => [JSON.stringify(i.key), i]));
      expect(byKey['{"channel":1,"_id":-1}']).toBeDefined();
      expect(byKey['{"from.userId":1,"key":1}']?.unique).toBe(true);
      expect(byKey['{"terms":1,"_id":-1}']).toBeDefined();
      expect(conversationIndexes.map((i) => JSON.stringify(i.key))).toContain('{"owner":1,"lastId":-1}');
      expect(byKey['{"channel":1,"rev":1,"_id":1}']).toBeDefined();
      // The replies whose quotes a deletion withdraws; a plain index (FerretDB v1 has no partial ones).
      expect(byKey['{"replyTo.id":1}']).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it("when the newest page of a room is read, then the store asks what the {channel, _id} index answers, and MongoDB's plan uses it with no sort", async () => {
    const { store, conn } = await storeWithConnection();
    const finds: { query: unknown; options: { sort?: unknown; limit?: unknown } }[] = [];
    try {
      for (let i = 0; i < 120; i++) {
        const room = i % 2 ? "a" : "b";
        const id = (i + 1).toString(16).padStart(24, "0");
        await store.messages.insert({ id, kind: "room", room, from: alice, text: `m${i}`, createdAt: new Date().toISOString(), channel: roomChannel(room), key: `k${i}` });
      }
      // The query exactly as the store sends it.
      mongoose.set("debug", (collection: string, method: string, query: unknown, options: { sort?: unknown; limit?: unknown }) => {
        if (collection === "messages" && method === "find") finds.push({ query, options });
      });
      const page = await store.messages.page({ channel: roomChannel("a"), limit: 50 });
      mongoose.set("debug", false);
      expect(page.messages).toHaveLength(50);
      expect(finds).toHaveLength(1);
      const [{ query, options }] = finds as [(typeof finds)[0]];
      expect(query).toEqual({ channel: roomChannel("a") });
      expect(options.sort).toEqual({ _id: -1 });
      // An equality on the index's first field and a sort on its second: the index alone answers it.
      const explained = (await conn.db!
        .collection("messages")
        .find(query as Record<string, unknown>, { sort: { _id: -1 }, limit: Number(options.limit) })
        .explain("queryPlanner")) as { serverInfo?: { ferretdbVersion?: string }; queryPlanner: { winningPlan?: unknown } };
      if (explained.serverInfo?.ferretdbVersion === undefined) {
        const plan = JSON.stringify(explained.queryPlanner.winningPlan);
        expect(plan).toContain('"stage":"IXSCAN"');
        expect(plan).toContain('"keyPattern":{"channel":1,"_id":-1}');
        expect(plan).not.toContain('"stage":"SORT"');
      }
      // FerretDB v1 (SQLite) answers every query with a table scan, whatever the indexes: no plan to check there.
    } finally {
      mongoose.set("debug", false);
      await conn.close();
      await store.close();
    }
  });

  it("when a filter value is an operator object, then it never becomes a query operator", async () => {
    const store = new MongoStorage(freshDatabaseUri(), logger);
    await store.init();
    try {
      await store.messages.insert({
        id: "0000000000010000000000aa",
        kind: "room",
        room: "chat",
        from: { userId: "u1", name: "u", socketId: "s" },
        text: "secret",
        createdAt: new Date().toISOString(),
        channel: roomChannel("chat"),
        key: "k",
      });
      const injected = { $ne: "nothing" } as unknown as string;
      // sanitizeFilter turns it into an equality test on an object, which a string path refuses.
      await expect(store.messages.page({ channel: injected, limit: 10 })).rejects.toThrow(/Cast to string failed/);
    } finally {
      await store.close();
    }
  });

  it("when two nodes' clocks disagree, then the slow node's changes, and what it writes after learning of the fast one, sort above the fast node's", async () => {
    const uri = freshDatabaseUri();
    const ahead = new MongoStorage(uri, logger, { clock: () => Date.now() + 3_600_000 });
    const behind = new MongoStorage(uri, logger);
    await ahead.init();
    await behind.init();
    try {
      const base = { kind: "room" as const, room: "chat", text: "x", createdAt: new Date().toISOString(), channel: roomChannel("chat") };
      const fast = await ahead.messages.insert({ ...base, id: "000000000001000000000001", from: alice, key: "a1" });
      // Its first touch of the channel shows the slow node where the channel stands; from then on it writes above it.
      const first = await behind.messages.insert({ ...base, id: "000000000002000000000002", from: bob, key: "b1" });
      expect(first.message.rev > fast.message.rev).toBe(true);
      const edited = await behind.messages.change(fast.message.id, { kind: "edit", text: "y", at: new Date().toISOString() }, () => {});
      expect(edited!.message.rev > fast.message.rev).toBe(true);
      const next = await behind.messages.insert({ ...base, id: "000000000003000000000003", from: bob, key: "b2" });
      expect(next.message.rev > edited!.message.rev).toBe(true);
      // A client that saw the fast node's message misses nothing the slow node changed later.
      const feed = await behind.messages.changes({ channel: roomChannel("chat"), after: fast.message.rev, limit: 10 });
      expect(feed.messages.map((m) => m.id)).toEqual([first.message.id, fast.message.id, next.message.id]);
    } finally {
      await ahead.close();
      await behind.close();
    }
  });

  it("when many messages of one channel are stored at once, then its guard ends at the greatest of their revs, raised in fewer writes than messages", async () => {
    const { store, conn } = await storeWithConnection();
    const guardWrites: string[] = [];
    mongoose.set("debug", (collection: string, method: string) => {
      if (collection === "channel_revs" && method === "findOneAndUpdate") guardWrites.push(method);
    });
    try {
      const base = { kind: "room" as const, room: "busy", text: "x", createdAt: new Date().toISOString(), channel: roomChannel("busy") };
      const ids = Array.from({ length: 40 }, (_, i) => `${String(i + 1).padStart(12, "0")}${"0".repeat(12)}`);
      const stored = await Promise.all(ids.map((id, i) => store.messages.insert({ ...base, id, from: alice, key: `k${i}` })));
      expect(stored.every((r) => r.created)).toBe(true);
      const greatest = stored.map((r) => r.message.rev).sort().at(-1)!;
      const guard = await models(conn).ChannelRev.findOne({ _id: roomChannel("busy") }).lean<{ rev: string }>().exec();
      expect(guard?.rev).toBe(greatest);
      expect(guardWrites.length).toBeGreaterThan(0);
      expect(guardWrites.length).toBeLessThan(ids.length);
      // A change made afterwards still sorts above every one of them.
      const edited = await store.messages.change(ids[0]!, { kind: "edit", text: "y", at: new Date().toISOString() }, () => {});
      expect(edited!.message.rev > greatest).toBe(true);
    } finally {
      mongoose.set("debug", false);
      await conn.close();
      await store.close();
    }
  });

  it("when the store is the only writer, then a new message is one write, and a restart on a clock an hour behind still revs above everything stored", async () => {
    const uri = freshDatabaseUri();
    const first = new MongoStorage(uri, logger, { sharedWriters: false });
    await first.init();
    const writes: string[] = [];
    const base = { kind: "room" as const, room: "solo", text: "x", createdAt: new Date().toISOString(), channel: roomChannel("solo") };
    let last: Awaited<ReturnType<typeof first.messages.insert>>;
    try {
      // The first message of the channel reads where it stands; after that, one write each.
      await first.messages.insert({ ...base, id: "000000000001000000000001", from: alice, key: "s0" });
      mongoose.set("debug", (collection: string, method: string) => writes.push(`${collection}.${method}`));
      for (let i = 1; i <= 5; i++) {
        last = await first.messages.insert({ ...base, id: `00000000000${i + 1}000000000001`, from: alice, key: `s${i}` });
      }
      mongoose.set("debug", false);
      expect(writes).toEqual(Array.from({ length: 5 }, () => "messages.insertMany"));
    } finally {
      mongoose.set("debug", false);
      await first.close();
    }
    const behind = new MongoStorage(uri, logger, { sharedWriters: false, clock: () => Date.now() - 3_600_000 });
    await behind.init();
    try {
      const next = await behind.messages.insert({ ...base, id: "000000000009000000000001", from: bob, key: "b0" });
      expect(next.message.rev > last!.message.rev).toBe(true);
      const edited = await behind.messages.change(last!.message.id, { kind: "edit", text: "y", at: new Date().toISOString() }, () => {});
      expect(edited!.message.rev > next.message.rev).toBe(true);
      // A client that saw the last message before the restart misses nothing after it.
      const feed = await behind.messages.changes({ channel: roomChannel("solo"), after: last!.message.rev, limit: 10 });
      expect(feed.messages.map((m) => m.id)).toEqual([next.message.id, last!.message.id]);
    } finally {
      await behind.close();
    }
  });

  it("when many messages arrive at once, then they are written in a few batches, each with its own outcome: a retried key gets its original, the rest are stored", async () => {
    const { store, conn } = await storeWithConnection();
    const writes: number[] = [];
    try {
      const base = { kind: "room" as const, room: "crowd", createdAt: new Date().toISOString(), channel: roomChannel("crowd") };
      const first = await store.messages.insert({ ...base, id: "0000000000a0000000000001", from: alice, text: "first", key: "a-0" });
      mongoose.set("debug", (collection: string, method: string, docs: unknown) => {
        if (collection === "messages" && method === "insertMany") writes.push(Array.isArray(docs) ? docs.length : 1);
      });
      const sends = Array.from({ length: 60 }, (_, i) => ({ ...base, id: `0000000000b${String(i).padStart(2, "0")}00000000001`, from: bob, text: `m${i}`, key: `b-${i}` }));
      // Among them, a retry of a stored message and two sends of one new key, all in one batch.
      sends.push({ ...base, id: "0000000000c0000000000001", from: alice, text: "first", key: "a-0" });
      sends.push({ ...base, id: "0000000000c1000000000001", from: alice, text: "twice", key: "a-1" });
      sends.push({ ...base, id: "0000000000c2000000000001", from: alice, text: "twice", key: "a-1" });
      const results = await Promise.all(sends.map((m) => store.messages.insert(m)));
      mongoose.set("debug", false);
      expect(writes.reduce((a, b) => a + b, 0)).toBe(sends.length);
      expect(writes.length).toBeLessThan(sends.length / 10);
      expect(results.slice(0, 60).every((r) => r.created)).toBe(true);
      expect(results[60]).toEqual({ message: first.message, created: false });
      const twice = results.slice(61);
      expect(twice.filter((r) => r.created)).toHaveLength(1);
      expect(twice[0]!.message).toEqual(twice[1]!.message);
      expect(await conn.db!.collection("messages").countDocuments({})).toBe(62);
      // What each answered is what is stored.
      const page = await store.messages.page({ channel: roomChannel("crowd"), limit: 100 });
      expect(page.messages.map((m) => m.id).sort()).toEqual([first.message.id, ...results.slice(0, 60).map((r) => r.message.id), twice.find((r) => r.created)!.message.id].sort());
    } finally {
      mongoose.set("debug", false);
      await conn.close();
      await store.close();
    }
  });

  it("when a batch fails as a whole after its documents were written, then no message is answered as a retry of itself; the sender's retry gets it", async () => {
    const store = new MongoStorage(freshDatabaseUri(), logger);
    await store.init();
    const insertMany = mongoose.mongo.Collection.prototype.insertMany;
    // The write goes through, then the batch fails with an error whose code is a duplicate key's,
    // as a driver error about the whole batch may carry (its first refusal's code, or none at all).
    const spy = vi.spyOn(mongoose.mongo.Collection.prototype, "insertMany").mockImplementationOnce(async function (this: mongoose.mongo.Collection, ...args) {
      await insertMany.apply(this, args);
      throw Object.assign(new Error("E11000 duplicate key error (the batch as a whole)"), { code: 11000 });
    });
    try {
      const message = { kind: "room" as const, room: "lost", createdAt: new Date().toISOString(), channel: roomChannel("lost"), from: alice, text: "hello", key: "once" };
      await expect(store.messages.insert({ ...message, id: "0000000000d0000000000001" })).rejects.toThrow(/writing 1 new messages failed/);
      expect(spy).toHaveBeenCalledTimes(1);
      const retry = await store.messages.insert({ ...message, id: "0000000000d1000000000001" });
      expect(retry.created).toBe(false);
      expect(retry.message).toMatchObject({ id: "0000000000d0000000000001", text: "hello" });
    } finally {
      spy.mockRestore();
      await store.close();
    }
  });

  it("when a message is written straight through the driver, then its document holds the schema's fields only, none empty, and mongoose finds it valid", async () => {
    const { store, conn } = await storeWithConnection();
    try {
      const createdAt = new Date().toISOString();
      const base = { kind: "room" as const, room: "raw", createdAt, channel: roomChannel("raw") };
      // Extra properties on a person (as a socket's data might carry) are not stored.
      const carol = { ...alice, extra: "not stored" } as typeof alice;
      const plain = await store.messages.insert({ ...base, id: "000000000001000000000abc", from: carol, text: "hello there", key: "p1" });
      const full = await store.messages.insert({
        ...base,
        id: "000000000002000000000abc",
        from: { ...bob, account: "bobby" },
        text: "🙂",
        clientId: "c-2",
        key: "c-2",
        mentions: [alice.userId],
        replyTo: { id: plain.message.id, from: alice, text: "hello there" },
        attachments: [{ id: "att1", name: "a.png", type: "image/png", size: 10, width: 2, height: 3 }],
      });
      const raw = conn.db!.collection("messages");
      const plainDoc = await raw.findOne({ _id: plain.message.id as unknown as never });
      expect(Object.keys(plainDoc!).sort()).toEqual(["_id", "channel", "createdAt", "from", "key", "kind", "rev", "room", "terms", "text"]);
      expect(plainDoc!.from).toEqual(alice);
      expect(plainDoc!.createdAt).toBeInstanceOf(Date);
      expect(plainDoc!.terms).toEqual(["hello", "there"]);
      const fullDoc = await raw.findOne({ _id: full.message.id as unknown as never });
      // An emoji alone has no search terms: the field is left out, not stored empty.
      expect(Object.keys(fullDoc!).sort()).toEqual(
        ["_id", "attachments", "channel", "clientId", "createdAt", "from", "key", "kind", "mentions", "replyTo", "rev", "room", "text"],
      );
      const Message = conn.model("Message", messageSchema);
      for (const doc of [plainDoc, fullDoc]) await expect(new Message(doc).validate()).resolves.toBeUndefined();
      // Read back, each is what the insert answered.
      expect(await store.messages.findByKey(alice.userId, "p1")).toEqual(plain.message);
      expect(await store.messages.findByKey(bob.userId, "c-2")).toEqual(full.message);
      expect(full.message).toMatchObject({ clientId: "c-2", mentions: [alice.userId], from: { account: "bobby" }, attachments: [{ width: 2, height: 3 }] });
      // A retry with the same key gets the original, and nothing more is stored.
      const again = await store.messages.insert({ ...base, id: "000000000003000000000abc", from: alice, text: "hello there", key: "p1" });
      expect(again).toEqual({ message: plain.message, created: false });
      expect(await raw.countDocuments({})).toBe(2);
    } finally {
      await conn.close();
      await store.close();
    }
  });

  it("when messages were stored before revs existed, then they read with rev = id, appear in the change feed, and take a rev when changed", async () => {
    const { store, conn } = await storeWithConnection();
    try {
      const old = (n: number) => ({
        _id: `0000000000${n}0000000000000`.slice(0, 24),
        channel: roomChannel("chat"),
        kind: "room",
        room: "chat",
        from: alice,
        text: `old ${n}`,
        createdAt: new Date(),
        key: `old-${n}`,
      });
      await conn.db!.collection("messages").insertMany([old(1), old(2), old(3)] as never[]);
      const fresh = await store.messages.insert({
        id: "000000000090000000000000",
        kind: "room",
        room: "chat",
        from: bob,
        text: "new",
        createdAt: new Date().toISOString(),
        channel: roomChannel("chat"),
        key: "new",
      });
      const page = await store.messages.page({ channel: roomChannel("chat"), limit: 10 });
      expect(page.messages.slice(0, 3).map((m) => m.rev)).toEqual(page.messages.slice(0, 3).map((m) => m.id));
      const feed = await store.messages.changes({ channel: roomChannel("chat"), after: old(1)._id, limit: 2 });
      expect(feed.messages.map((m) => m.text)).toEqual(["old 2", "old 3"]);
      expect(feed.hasMore).toBe(true);
      const rest = await store.messages.changes({ channel: roomChannel("chat"), after: feed.messages[1]!.rev, limit: 2 });
      expect(rest).toEqual({ messages: [fresh.message], hasMore: false });
      const reacted = await store.messages.change(old(2)._id, { kind: "react", emoji: "👍", userId: bob.userId, on: true }, () => {});
      expect(reacted!.message.rev > fresh.message.rev).toBe(true);
      const latest = await store.messages.changes({ channel: roomChannel("chat"), after: fresh.message.rev, limit: 10 });
      expect(latest.messages.map((m) => m.text)).toEqual(["old 2"]);
    } finally {
      await conn.close();
      await store.close();
    }
  });

  it("when a message has more distinct words than the terms kept, then it is found by its first 200 and not by the rest", async () => {
    const { store, conn } = await storeWithConnection();
    try {
      const words = Array.from({ length: SEARCH_MAX_TERMS + 50 }, (_, i) => `word${i}`);
      const { message } = await store.messages.insert(roomMessageBuilder(alice)(words.join(" ")));
      const stored = await conn.db!.collection<{ _id: string; terms: string[] }>("messages").findOne({ _id: message.id });
      expect(stored?.terms).toEqual(words.slice(0, SEARCH_MAX_TERMS));
      const search = (q: string) => {
        const m = searchMatcher(q);
        return store.messages.search({ terms: m.terms, phrases: m.phrases, matches: m.matches, channels: [roomChannel("chat")], limit: 10 });
      };
      expect((await search("word0 word199")).messages.map((m) => m.id)).toEqual([message.id]);
      expect((await search("word200")).messages).toEqual([]);
      expect((await search("word0 word249")).messages).toEqual([]);
    } finally {
      await conn.close();
      await store.close();
    }
  });

  it.each(["lunch", "lu", "l"])(
    "when a search for %s has looked at its bound of messages with a word starting with it, then it stops with what it found and hasMore false",
    async (q) => {
      const { store, conn } = await storeWithConnection();
      const Message = models(conn).Message;
      try {
        expect(SEARCH_MAX_CANDIDATES).toBe(2_000);
        const build = roomMessageBuilder(alice);
        const inChat = (text: string) => build(text);
        const inSecret = (text: string) => build(text, { room: "secret", channel: roomChannel("secret") });
        // Oldest first: two readable matches, then 30 the asker cannot read.
        const older = (await store.messages.insert(inChat("lunch at noon"))).message;
        const newer = (await store.messages.insert(inChat("Lunchtime again"))).message;
        for (let i = 0; i < 30; i++) await store.messages.insert(inSecret(`lunch in secret ${i}`));
        const m = searchMatcher(q);
        const query = { terms: m.terms, phrases: m.phrases, matches: m.matches, channels: [roomChannel("chat")], limit: 1 };
        const shown = (r: { docs: { _id: string }[]; hasMore: boolean }) => ({ ids: r.docs.map((d) => d._id), hasMore: r.hasMore });

        // 30 candidates are all in another channel: nothing found, and no promise of more.
        expect(shown(await searchMongo(Message, query, 30))).toEqual({ ids: [], hasMore: false });
        // One more reaches the newer readable match; the older one lies beyond the bound.
        expect(shown(await searchMongo(Message, query, 31))).toEqual({ ids: [newer.id], hasMore: false });
        expect(shown(await searchMongo(Message, query, 32))).toEqual({ ids: [newer.id], hasMore: true });
        // The store's own bound is far above this: it finds both.
        expect((await store.messages.search({ ...query, limit: 10 })).messages.map((x) => x.id)).toEqual([newer.id, older.id]);
      } finally {
        await conn.close();
        await store.close();
      }
    },
  );

  it("when a query word becomes a regular expression, then it is anchored and literal; a CJK term stays an equality", () => {
    expect(termFilter("meet")).toEqual(/^meet/);
    expect(termFilter("東京")).toBe("東京");
    const literal = termFilter("a.b(c+)*[d]|e$^f\\g{2}?/-");
    expect(literal).toBeInstanceOf(RegExp);
    expect((literal as RegExp).test("a.b(c+)*[d]|e$^f\\g{2}?/-x")).toBe(true);
    expect((literal as RegExp).test("axb(c+)*[d]|e$^f\\g{2}?/-")).toBe(false);
    expect((literal as RegExp).test("za.b(c+)*[d]|e$^f\\g{2}?/-")).toBe(false);
  });

  it("when the URI is malformed, then init fails with a clear error", async () => {
    const store = new MongoStorage("mongodb://a:b:c/x", logger);
    await expect(store.init()).rejects.toThrow(/MONGODB_URI is malformed/);
  });
});
