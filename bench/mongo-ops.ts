/**
 * What each MongoDB write of a message costs, on a fresh FerretDB (the one
 * `npm run bench -- --store mongo` uses): the database's CPU time and this
 * process's (the driver and mongoose) per operation, for the project's writes
 * — the whole `MessageStore.insert` with several nodes (document and channel
 * guard) and on one node (document only), the document alone (one `insertOne`
 * each, and `insertMany`s of 4 and of 16 as the store's batches are under
 * load), the guard alone — and the tutorial server's `Message.create`.
 *
 *   npm run bench:mongo-ops [-- --count 3000 --concurrency 8]
 */
import { parseArgs } from "node:util";
import mongoose from "mongoose";
import { roomChannel } from "../server/channels/channel.js";
import { createLogger } from "../server/logger.js";
import { createIdGenerator } from "../server/messages/message-id.js";
import { messageSchema, models, newMessageDocument, type NewMessageDocument } from "../server/messages/message.model.js";
import { searchTerms } from "../server/messages/search-terms.js";
import { DURABLE, upsertRetrying } from "../server/storage/mongo-options.js";
import { MongoStorage } from "../server/storage/mongo-storage.js";
import { installCleanup } from "./lib/children.js";
import { FerretProcess } from "./lib/ferretdb.js";
import { cpuTimeMs } from "./lib/proc-stat.js";
import { tutorialMessageSchema } from "./peers/tutorial-message.js";

const { values: args } = parseArgs({
  options: { count: { type: "string", default: "3000" }, concurrency: { type: "string", default: "8" } },
});
const count = Number(args.count);
const concurrency = Number(args.concurrency);
if (![count, concurrency].every((n) => Number.isInteger(n) && n > 0)) throw new Error("--count and --concurrency take whole numbers above 0");

installCleanup();
const db = await FerretProcess.start();
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Runs `op(i)` for i < count, `concurrency` at a time, and prints the CPU per operation. */
async function measure(label: string, op: (i: number) => Promise<unknown>): Promise<void> {
  const dbStart = cpuTimeMs(db.pid);
  const ownStart = ownCpuMs();
  const wallStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
  const per = (ms: number) => ((ms * 1000) / count).toFixed(0).padStart(6);
  console.log(
    `${label.padEnd(58)} database ${per(cpuTimeMs(db.pid) - dbStart)} µs, node ${per(ownCpuMs() - ownStart)} µs, ` +
      `wall ${(((performance.now() - wallStart) * 1000) / count).toFixed(0)} µs per op`,
  );
}

try {
  const logger = createLogger({ logLevel: "silent", env: "production" });
  const from = { userId: "benchUserAAAAAAA", name: "bench", socketId: "" };
  const ids = createIdGenerator();
  const newMessage = (room: string, i: number) => {
    const id = ids();
    return {
      id,
      kind: "room" as const,
      room,
      from,
      text: `hello from the benchmark number ${i}`,
      createdAt: new Date().toISOString(),
      channel: roomChannel(room),
      key: `srv-${id}`,
    };
  };
  const store = new MongoStorage(`${db.uri}-project`, logger);
  await store.init();
  console.log(`${count} operations each, ${concurrency} at a time, over 100 rooms; FerretDB ${db.uri}`);
  await measure("project, several nodes: MessageStore.insert (+ guard)", (i) =>
    store.messages.insert(newMessage(`r${i % 100}`, i)),
  );
  const single = new MongoStorage(`${db.uri}-single`, logger, { sharedWriters: false });
  await single.init();
  // Includes each room's one-time catch-up read (3 reads × 100 rooms over `count` writes).
  await measure("project, one node: MessageStore.insert (document only)", (i) =>
    single.messages.insert(newMessage(`r${i % 100}`, i)),
  );

  const conn = await mongoose.createConnection(`${db.uri}-parts`).asPromise();
  const m = models(conn);
  await m.Message.createIndexes();
  await m.ChannelRev.createIndexes();
  const documents = conn.collection<NewMessageDocument>("messages");
  await measure("project: its message document alone (5 secondary indexes)", (i) => {
    const message = newMessage(`r${i % 100}`, i);
    return documents.insertOne(newMessageDocument(message, searchTerms(message.text), message.id), { writeConcern: DURABLE });
  });
  // What the store does under load: the documents that arrive while a write is in flight go in one.
  const Batched = conn.model("BatchedMessage", messageSchema, "messages_batched");
  await Batched.createIndexes();
  const batched = conn.collection<NewMessageDocument>("messages_batched");
  for (const size of [4, 16]) {
    await measure(`project: its documents, insertMany of ${size} (per document)`, async (i) => {
      if (i % size !== 0) return;
      const docs = Array.from({ length: Math.min(size, count - i) }, (_, k) => {
        const message = newMessage(`r${(i + k) % 100}`, i + k);
        return newMessageDocument(message, searchTerms(message.text), message.id);
      });
      await batched.insertMany(docs, { writeConcern: DURABLE, ordered: false });
    });
  }
  // The same document through mongoose's Model.create (casting, validation), as the store wrote it before.
  await measure("project: the same through mongoose Model.create", (i) => {
    const message = newMessage(`r${i % 100}`, i);
    return m.Message.create(newMessageDocument(message, searchTerms(message.text), message.id));
  });
  // What the four secondary indexes that only serve queries cost a FerretDB write (FerretDB v1 on
  // SQLite answers queries by scans whatever the indexes; MongoDB needs them): the unique one only.
  const bare = conn.collection<NewMessageDocument>("messages_unique_index_only");
  await bare.createIndex({ "from.userId": 1, key: 1 }, { unique: true });
  await measure("project: its document, unique index only (for comparison)", (i) => {
    const message = newMessage(`r${i % 100}`, i);
    return bare.insertOne(newMessageDocument(message, searchTerms(message.text), message.id), { writeConcern: DURABLE });
  });
  // Two first upserts of one guard can race (a duplicate _id): the store retries, so does this.
  await measure("project: its channel guard alone ($max, upsert, before)", (i) =>
    upsertRetrying(() =>
      m.ChannelRev.findOneAndUpdate({ _id: roomChannel(`r${i % 100}`) }, { $max: { rev: ids() } }, { upsert: true, returnDocument: "before" })
        .lean()
        .exec(),
    ),
  );

  const tutorial = await mongoose.createConnection(`${db.uri}-tutorial`).asPromise();
  const Message = tutorial.model("Message", tutorialMessageSchema);
  await Message.init();
  await measure("tutorial: Message.create (1 secondary index)", (i) =>
    Message.create({ room: `r${i % 100}`, name: "bench", text: `hello from the benchmark number ${i}` }),
  );
  await Promise.all([store.close(), single.close(), conn.close(), tutorial.close()]);
} finally {
  await db.stop();
}
process.exit(0);
