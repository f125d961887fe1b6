import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it, vi } from "vitest";
import { directChannel, roomChannel } from "../../server/channels/channel.js";
import { createLogger } from "../../server/logger.js";
import { createIdGenerator } from "../../server/messages/message-id.js";
import { BEFORE_ALL } from "../../server/messages/message-store.js";
import { searchMatcher } from "../../server/messages/search-terms.js";
import { MESSAGE_SQL } from "../../server/messages/sqlite-message-store.js";
import { ACCOUNT_SQL } from "../../server/accounts/sqlite-account-store.js";
import { ATTACHMENT_SQL } from "../../server/attachments/sqlite-attachment-store.js";
import { PEOPLE_SQL } from "../../server/people/sqlite-people-store.js";
import { ROOM_SQL } from "../../server/rooms/sqlite-room-store.js";
import { StorageClosedError } from "../../server/storage/sqlite-db.js";
import { MIGRATIONS, SqliteStorage, type SqliteStorageOptions } from "../../server/storage/sqlite-storage.js";
import { StorageConfigError } from "../../server/storage/storage.js";
import { describeAccountStoreContract } from "../helpers/account-store-contract.js";
import { describeAttachmentStoreContract } from "../helpers/attachment-store-contract.js";
import { describePeopleStoreContract } from "../helpers/people-store-contract.js";
import { describeRoomStoreContract } from "../helpers/room-store-contract.js";
import { roomMessageBuilder } from "../helpers/messages.js";
import { describeStoreContract } from "../helpers/store-contract.js";

const logger = createLogger({ logLevel: "silent", env: "test" });
const root = mkdtempSync(path.join(tmpdir(), "sqlite-storage-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
/** A path for a new database file, in a directory that does not exist yet (init creates it). */
const freshFile = () => path.join(root, `db${++files}`, "chat.db");
/** An initialised storage on a new file, and the file. */
const open = async (options: Partial<SqliteStorageOptions> = {}) => {
  const file = freshFile();
  const storage = new SqliteStorage({ path: file, logger, ...options });
  await storage.init();
  return { storage, file };
};

const inMemory = async () => new SqliteStorage({ path: ":memory:", logger });
const onFile = async () => new SqliteStorage({ path: freshFile(), logger });

describeStoreContract("sqlite :memory:", inMemory);
describePeopleStoreContract("sqlite :memory:", inMemory);
describeRoomStoreContract("sqlite :memory:", inMemory);
describeAccountStoreContract("sqlite :memory:", inMemory);
describeAttachmentStoreContract("sqlite :memory:", inMemory);
describeAttachmentStoreContract("sqlite file", onFile);
describeStoreContract("sqlite file", onFile);
describePeopleStoreContract("sqlite file", onFile);
describeRoomStoreContract("sqlite file", onFile);

const alice = { userId: "aliceAAAAAAAAAAA", name: "alice", socketId: "sockA" };
const bob = { userId: "bobBBBBBBBBBBBBB", name: "bob", socketId: "" };

describe("SqliteStorage", () => {
  it("when a file database is opened, then its journal is WAL and the schema is at the latest version", async () => {
    const { storage, file } = await open();
    try {
      const db = new DatabaseSync(file);
      expect(db.prepare("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
      expect(db.prepare("PRAGMA user_version").get()?.user_version).toBe(MIGRATIONS.length);
      db.close();
    } finally {
      await storage.close();
    }
  });

  it("when messages are written to a file database, then a thread of its own copies the WAL back into the file, the WAL stays small, and all of it is there after a restart", async () => {
    const { storage, file } = await open();
    const build = roomMessageBuilder(alice);
    const sizeOf = (f: string) => (existsSync(f) ? statSync(f).size : 0);
    let largestWal = 0;
    try {
      expect(storage.walCheckpoints).toEqual({ runs: 0, pagesCopied: 0, longestMs: 0 });
      // About 12 MB of messages, in bursts spread over several checkpoint intervals.
      for (let round = 0; round < 8; round++) {
        await Promise.all(Array.from({ length: 500 }, (_, i) => storage.messages.insert(build(`round ${round} message ${i} ${"x".repeat(2000)}`))));
        largestWal = Math.max(largestWal, sizeOf(`${file}-wal`));
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      await vi.waitFor(() => expect(storage.walCheckpoints!.pagesCopied).toBeGreaterThan(2_000), { timeout: 5_000 });
      expect(storage.walCheckpoints!.runs).toBeGreaterThan(1);
      // Copied as it went: the WAL never held the whole history (the database file did).
      expect(largestWal).toBeLessThan(sizeOf(file));
    } finally {
      await storage.close();
    }
    const again = new SqliteStorage({ path: file, logger });
    await again.init();
    try {
      const page = await again.messages.page({ channel: roomChannel("chat"), limit: 1 });
      expect(page.messages[0]?.text).toMatch(/^round 7 message/);
      const db = new DatabaseSync(file);
      expect(db.prepare("SELECT count(*) AS n FROM messages").get()?.n).toBe(4_000);
      db.close();
    } finally {
      await again.close();
    }
  }, 30_000);

  it("when a database lives in memory, then it has no checkpoint thread", async () => {
    const storage = new SqliteStorage({ path: ":memory:", logger });
    await storage.init();
    expect(storage.walCheckpoints).toBeUndefined();
    await storage.close();
  });

  it("when close is called twice at once, then both wait for the same close, and the storage opens again afterwards", async () => {
    const { storage, file } = await open();
    await storage.messages.insert(roomMessageBuilder(alice)("before"));
    let firstDone = false;
    const first = storage.close().then(() => (firstDone = true));
    await storage.close();
    expect(firstDone).toBe(true);
    await first;
    // Closed for good: nothing holds the file (the WAL is gone), and it opens again with the message.
    expect(existsSync(`${file}-wal`)).toBe(false);
    await storage.init();
    try {
      expect((await storage.messages.page({ channel: roomChannel("chat"), limit: 5 })).messages.map((m) => m.text)).toEqual(["before"]);
      expect(storage.walCheckpoints).toBeDefined();
    } finally {
      await storage.close();
    }
  });

  it("when the database is closed and opened again, then everything written is there, search finds it, and new revs are greater", async () => {
    const file = freshFile();
    // The first run's clock is an hour ahead: its revs must still be behind every later one.
    const first = new SqliteStorage({ path: file, logger, clock: () => Date.now() + 3_600_000 });
    await first.init();
    const build = roomMessageBuilder(alice);
    const hello = (await first.messages.insert(build("hello from the first run", { clientId: "c1", key: "c1" }))).message;
    const typo = (await first.messages.insert(build("a tpyo to fix", { mentions: [bob.userId] }))).message;
    const dm = directChannel(alice.userId, bob.userId);
    const secret = (await first.messages.insert(build("東京都で会いましょう", { kind: "private", channel: dm, to: bob }))).message;
    const edited = (await first.messages.change(typo.id, { kind: "edit", text: "a typo fixed", at: new Date().toISOString() }, () => {}))!;
    const reacted = (await first.messages.change(hello.id, { kind: "react", emoji: "👍", userId: bob.userId, on: true }, () => {}))!;
    await first.rooms.add("study");
    await first.rooms.add("chat");
    const seen = new Date();
    await first.people.upsertUser(alice.userId, "alice", seen);
    await first.people.noteConversation(alice.userId, bob.userId, dm, secret.id);
    await first.people.setRead(bob.userId, dm, secret.id);
    const revsBefore = [hello.rev, typo.rev, secret.rev, edited.message.rev, reacted.message.rev];
    await first.close();
    expect(await first.isReady()).toBe(false);

    const second = new SqliteStorage({ path: file, logger });
    await second.init();
    try {
      const page = await second.messages.page({ channel: roomChannel("chat"), limit: 10 });
      expect(page).toEqual({ messages: [reacted.message, edited.message], hasMore: false });
      expect(await second.messages.findByKey(alice.userId, "c1")).toEqual(reacted.message);
      expect((await second.messages.get(secret.id))?.channel).toBe(dm);
      expect(await second.rooms.list()).toEqual(["study", "chat"]);
      expect(await second.people.findUsers([alice.userId])).toEqual([
        { userId: alice.userId, name: "alice", lastSeen: seen.toISOString() },
      ]);
      expect(await second.people.conversations(bob.userId, 10)).toEqual([{ peerId: alice.userId, channel: dm, lastId: secret.id }]);
      expect(await second.people.readMarkers(bob.userId, [dm])).toEqual(new Map([[dm, secret.id]]));
      expect(await second.messages.countUnread(dm, BEFORE_ALL, bob.userId, 100)).toBe(1);

      const search = (q: string, channels: string[]) => {
        const m = searchMatcher(q);
        return second.messages.search({ terms: m.terms, phrases: m.phrases, channels, limit: 10, matches: m.matches });
      };
      expect((await search("typo", [roomChannel("chat")])).messages).toEqual([edited.message]);
      expect((await search("tpyo", [roomChannel("chat")])).messages).toEqual([]);
      expect((await search("東京都", [dm])).messages.map((m) => m.id)).toEqual([secret.id]);
      expect((await search("東京", [dm])).messages.map((m) => m.id)).toEqual([secret.id]);

      // A new message has no rev of its own to stay ahead of: only the seeded generator keeps it ahead.
      const fresh = await second.messages.insert(build("after the restart"));
      expect(revsBefore.every((rev) => fresh.message.rev > rev)).toBe(true);
      const later = await second.messages.change(typo.id, { kind: "react", emoji: "🎉", userId: alice.userId, on: true }, () => {});
      expect(later!.message.rev > fresh.message.rev).toBe(true);
    } finally {
      await second.close();
    }
  });

  it("when closed, then it is not ready and every store call fails as unavailable storage", async () => {
    const { storage } = await open();
    await storage.close();
    await storage.close();
    expect(await storage.isReady()).toBe(false);
    await expect(storage.messages.page({ channel: roomChannel("chat"), limit: 1 })).rejects.toThrow(StorageClosedError);
    await expect(storage.messages.insert(roomMessageBuilder(alice)("late"))).rejects.toThrow(StorageClosedError);
    await expect(storage.rooms.list()).rejects.toThrow(StorageClosedError);
    await expect(storage.people.setRead("u1", "broadcast", BEFORE_ALL)).rejects.toThrow(StorageClosedError);
  });

  it("when writes are pending at close, then they are committed first", async () => {
    const file = freshFile();
    const storage = new SqliteStorage({ path: file, logger });
    await storage.init();
    const build = roomMessageBuilder(alice);
    const pending = Array.from({ length: 5 }, (_, i) => storage.messages.insert(build(`pending ${i}`)));
    await storage.close();
    expect((await Promise.all(pending)).every((r) => r.created)).toBe(true);
    const again = new SqliteStorage({ path: file, logger });
    await again.init();
    expect((await again.messages.page({ channel: roomChannel("chat"), limit: 10 })).messages).toHaveLength(5);
    await again.close();
  });

  it("when one write of a batch fails, then it alone fails and the others are stored", async () => {
    const { storage } = await open();
    try {
      const build = roomMessageBuilder(alice);
      const taken = build("first");
      const results = await Promise.allSettled([
        storage.messages.insert(taken),
        storage.messages.insert(build("second")),
        // The same id under another key: a collision, not a retry.
        storage.messages.insert({ ...taken, key: "other-key", text: "collides" }),
        storage.messages.change("ffffffffffffffffffffffff", { kind: "delete", at: new Date().toISOString() }, () => {}),
        storage.rooms.add("study"),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
      const page = await storage.messages.page({ channel: roomChannel("chat"), limit: 10 });
      expect(page.messages.map((m) => m.text)).toEqual(["first", "second"]);
      expect(await storage.rooms.list()).toEqual(["study"]);
    } finally {
      await storage.close();
    }
  });

  it("when a database has a schema newer than this release's, then opening it fails and leaves it alone", async () => {
    const file = freshFile();
    const storage = new SqliteStorage({ path: file, logger });
    await storage.init();
    await storage.close();
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const newer = new SqliteStorage({ path: file, logger });
    await expect(newer.init()).rejects.toThrow(/newer than this release/);
    expect(await newer.isReady()).toBe(false);
  });

  it("when the process died before messages were indexed, then opening the database indexes them", async () => {
    const { storage, file } = await open();
    const build = roomMessageBuilder(alice);
    for (let i = 0; i < 5; i++) await storage.messages.insert(build(`lunch plan ${i}`));
    await storage.close();
    // As a SIGKILL right after the inserts would have left it: the index knows nothing of them.
    const raw = new DatabaseSync(file);
    raw.exec("DELETE FROM message_text; UPDATE search_state SET indexed_seq = 0;");
    const inIndex = () => Number(raw.prepare("SELECT count(*) AS n FROM message_text WHERE message_text MATCH 'lunch'").get()!.n);
    expect(inIndex()).toBe(0);
    const again = new SqliteStorage({ path: file, logger });
    await again.init();
    try {
      await again.messages.indexPending();
      expect(inIndex()).toBe(5);
      const m = searchMatcher("lunch");
      const found = await again.messages.search({ terms: m.terms, phrases: m.phrases, matches: m.matches, channels: [roomChannel("chat")], limit: 10 });
      expect(found.messages).toHaveLength(5);
    } finally {
      raw.close();
      await again.close();
    }
  });

  it("when DATA_DIR cannot be a directory, then opening fails with a StorageConfigError naming the file", async () => {
    const notADirectory = path.join(root, "a-file");
    writeFileSync(notADirectory, "");
    const storage = new SqliteStorage({ path: path.join(notADirectory, "chat.db"), logger });
    const failure = storage.init();
    await expect(failure).rejects.toBeInstanceOf(StorageConfigError);
    await expect(failure).rejects.toThrow(/cannot open the database .*a-file\/chat\.db \(check DATA_DIR\)/);
    expect(await storage.isReady()).toBe(false);
  });
});

describe("SQLite query plans", () => {
  /** Tables that grow with use: a full scan of one would grow with them. */
  const BIG = ["messages", "users", "conversations", "read_markers", "accounts", "sessions", "passkeys", "auth_challenges", "attachments"];
  const statements = {
    ...MESSAGE_SQL,
    ...PEOPLE_SQL,
    ...ROOM_SQL,
    ...ACCOUNT_SQL,
    // Prefixed: their names (get, insert) are the message store's too.
    ...Object.fromEntries(Object.entries(ATTACHMENT_SQL).map(([name, sql]) => [`attachments.${name}`, sql])),
  };

  const plans = (db: DatabaseSync) =>
    Object.entries(statements).map(([name, sql]) => ({
      name,
      steps: db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((r) => String(r.detail)),
    }));

  const badSteps = (db: DatabaseSync) =>
    plans(db).flatMap(({ name, steps }) =>
      steps
        .filter((step) => BIG.some((table) => step.startsWith(`SCAN ${table}`)) || step.includes("TEMP B-TREE"))
        .map((step) => `${name}: ${step}`),
    );

  it("when each statement of the stores is planned, then an index serves it: no full scan of a growing table, no sort", async () => {
    const { storage, file } = await open();
    const db = new DatabaseSync(file);
    try {
      const byName = new Map(plans(db).map((p) => [p.name, p.steps.join(" | ")]));
      // The queries that matter most, spelled out, so that a plan going wrong says where.
      expect(byName.get("pageNewest")).toMatch(/SEARCH messages USING INDEX messages_by_channel \(channel=\?\)/);
      expect(byName.get("pageOlder")).toMatch(/SEARCH messages USING INDEX messages_by_channel \(channel=\? AND id<\?\)/);
      expect(byName.get("pageNewer")).toMatch(/SEARCH messages USING INDEX messages_by_channel \(channel=\? AND id>\?\)/);
      expect(byName.get("changes")).toMatch(/SEARCH messages USING INDEX messages_by_channel_rev \(channel=\? AND rev>\?\)/);
      expect(byName.get("get")).toMatch(/SEARCH messages USING INDEX \w+ \(id=\?\)/);
      expect(byName.get("findByKey")).toMatch(/SEARCH messages USING INDEX messages_by_sender_key \(sender=\? AND key=\?\)/);
      expect(byName.get("countUnread")).toMatch(/SEARCH messages USING COVERING INDEX messages_by_channel \(channel=\? AND id>\?\)/);
      expect(byName.get("quotesOf")).toMatch(/SEARCH messages USING INDEX messages_by_reply_to \(reply_to=\?\)/);
      expect(byName.get("searchWindow")).toMatch(/SCAN message_text VIRTUAL TABLE/);
      expect(byName.get("searchRows")).toMatch(/SEARCH messages USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      expect(byName.get("scanOlder")).toMatch(/SEARCH messages USING INDEX messages_by_channel \(channel=\? AND id<\?\)/);
      expect(byName.get("conversations")).toMatch(/SEARCH conversations USING INDEX conversations_by_recent \(owner=\?\)/);
      expect(byName.get("readMarkers")).toMatch(/SEARCH read_markers USING PRIMARY KEY \(user_id=\? AND channel=\?\)/);
      expect(byName.get("findUsers")).toMatch(/SEARCH users USING PRIMARY KEY \(user_id=\?\)/);
      expect(byName.get("maxRev")).toMatch(/SEARCH messages USING COVERING INDEX messages_by_rev/);
      expect(byName.get("attachments.unsettledBefore")).toMatch(/SEARCH attachments USING INDEX attachments_unsettled \(settled=\? AND claimed_at<\?\)/);
      expect(byName.get("attachments.unusedBefore")).toMatch(/SEARCH attachments USING (COVERING )?INDEX attachments_unused \(claim=\? AND created_at<\?\)/);
      expect(badSteps(db)).toEqual([]);
    } finally {
      db.close();
      await storage.close();
    }
  });

  it("when the planner has statistics of a filled database, then it still picks the indexes", async () => {
    const { storage, file } = await open();
    const build = roomMessageBuilder(alice);
    const ids = createIdGenerator();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 2_000; i++) {
      const room = `r${i % 10}`;
      const replyTo = i % 7 === 0 ? { replyTo: { id: ids(), from: bob, text: "a quote" } } : {};
      writes.push(storage.messages.insert(build(`message ${i} about lunch`, { room, channel: roomChannel(room), from: i % 3 ? alice : bob, ...replyTo })));
      if (i % 20 === 0) {
        writes.push(storage.people.upsertUser(`user${i}`, `user ${i}`, new Date()));
        writes.push(storage.people.noteConversation(alice.userId, `user${i}`, directChannel(alice.userId, `user${i}`), ids()));
        writes.push(storage.people.setRead(alice.userId, roomChannel(room), ids()));
      }
    }
    await Promise.all(writes);
    const db = new DatabaseSync(file);
    try {
      db.exec("ANALYZE");
      expect(badSteps(db)).toEqual([]);
    } finally {
      db.close();
      await storage.close();
    }
  }, 30_000);
});
