import { describe, expect, it } from "vitest";
import { createLogger } from "../../server/logger.js";
import { roomChannel } from "../../server/messages/channel.js";
import { MongoStore } from "../../server/messages/mongo-store.js";
import { freshDatabaseUri } from "../helpers/mongo.js";
import { describePeopleStoreContract } from "../helpers/people-store-contract.js";
import { describeStoreContract } from "../helpers/store-contract.js";

const logger = createLogger({ logLevel: "silent", env: "test" });

describeStoreContract("mongo", async () => new MongoStore(freshDatabaseUri(), logger));
describePeopleStoreContract("mongo", async () => new MongoStore(freshDatabaseUri(), logger));

describe("MongoStore specifics", () => {
  it("when the indexes are created, then pages, idempotency, search and conversation lists are served by them", async () => {
    const uri = freshDatabaseUri();
    const store = new MongoStore(uri, logger);
    await store.init();
    try {
      const { default: mongoose } = await import("mongoose");
      const conn = await mongoose.createConnection(uri).asPromise();
      const indexes = await conn.db!.collection("messages").indexes();
      const conversationIndexes = await conn.db!.collection("conversations").indexes();
      await conn.close();
      const byKey = Object.fromEntries(indexes.map((i) => [JSON.stringify(i.key), i]));
      expect(byKey['{"channel":1,"_id":-1}']).toBeDefined();
      expect(byKey['{"from.userId":1,"key":1}']?.unique).toBe(true);
      expect(byKey['{"terms":1,"_id":-1}']).toBeDefined();
      expect(conversationIndexes.map((i) => JSON.stringify(i.key))).toContain('{"owner":1,"lastId":-1}');
    } finally {
      await store.close();
    }
  });

  it("when a filter value is an operator object, then it never becomes a query operator", async () => {
    const store = new MongoStore(freshDatabaseUri(), logger);
    await store.init();
    try {
      await store.insert({
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
      await expect(store.page({ channel: injected, limit: 10 })).rejects.toThrow(/Cast to string failed/);
    } finally {
      await store.close();
    }
  });

  it("when the URI is malformed, then init fails with a clear error", async () => {
    const store = new MongoStore("mongodb://a:b:c/x", logger);
    await expect(store.init()).rejects.toThrow(/MONGODB_URI is malformed/);
  });
});
