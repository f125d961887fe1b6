/**
 * Inserts per second of the SQLite message store on a file database (WAL,
 * synchronous=NORMAL), one transaction per message, the way the message
 * service calls it. Also times a page, a search and an unread count on the
 * filled database.
 *
 *   npx tsx bench/sqlite-insert.ts [messages=20000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "../server/logger.js";
import { createIdGenerator } from "../server/messages/message-id.js";
import { searchMatcher } from "../server/messages/search-terms.js";
import { SqliteStorage } from "../server/storage/sqlite-storage.js";

const count = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(path.join(tmpdir(), "sqlite-insert-"));
const storage = new SqliteStorage({ path: path.join(dir, "chat.db"), logger: createLogger({ logLevel: "silent", env: "test" }) });
await storage.init();
const ids = createIdGenerator();
const words = ["lunch", "meeting", "tomorrow", "東京都", "读书会", "hello", "noon", "the", "release", "deploy"];
const from = { userId: "benchUserAAAAAAA", name: "bench", socketId: "s1" };

const message = (i: number) => {
  const id = ids();
  const text = Array.from({ length: 12 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" ") + ` #${i}`;
  const room = `room${i % 20}`;
  return { id, kind: "room" as const, room, from, text, createdAt: new Date().toISOString(), channel: `room:${room}`, key: `srv-${id}` };
};

// Warm up (prepares JIT paths), then time: one insert in flight at a time (each its own
// transaction), then `inFlight` at once (sharing transactions, as a busy server's would).
for (let i = 0; i < 500; i++) await storage.messages.insert(message(i));
for (const inFlight of [1, 4, 16, 64, 256]) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += inFlight) {
    await Promise.all(Array.from({ length: Math.min(inFlight, count - i) }, (_, j) => storage.messages.insert(message(i + j))));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `insert, ${inFlight} in flight: ${count} in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)}/s, ` +
      `${((seconds / count) * 1e6).toFixed(1)} µs each`,
  );
}

const time = async (label: string, runs: number, fn: () => Promise<unknown>) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await fn();
  console.log(`${label}: ${(Number(process.hrtime.bigint() - t) / 1e3 / runs).toFixed(1)} µs`);
};
const rooms = Array.from({ length: 20 }, (_, i) => `room:room${i}`);
await time("page of 50", 1000, () => storage.messages.page({ channel: "room:room3", limit: 50 }));
for (const q of ["meeting tomorrow", "meet", "東京都", "hi", "东", "nothing-matches-this"]) {
  const m = searchMatcher(q);
  const query = { terms: m.terms, phrases: m.phrases, channels: rooms, limit: 20, matches: m.matches };
  await time(`search "${q}" in 20 rooms`, 50, () => storage.messages.search(query));
  await time(`search "${q}" in a channel with no match`, 50, () => storage.messages.search({ ...query, channels: ["room:none"] }));
}
await time("countUnread cap 1000", 1000, () => storage.messages.countUnread("room:room3", "0".repeat(24), "someoneElse", 1000));

await storage.close();
rmSync(dir, { recursive: true, force: true });
