/**
 * The in-memory store once it is full: fills STORE_CHANNELS (100) rooms up
 * to their cap (MEMORY_STORE_MAX_PER_CHANNEL's default, 10,000 each: a
 * million messages, the default total), then times inserts that each push
 * the oldest message of their room out — the steady state of a long-running
 * server without MongoDB.
 *
 *   npm run bench:store
 *
 * Tunables: STORE_CHANNELS (100), STORE_PER_CHANNEL (10000), STORE_RUNS (20000).
 */
import { performance } from "node:perf_hooks";
import { roomChannel } from "../server/messages/channel.js";
import { MemoryStore } from "../server/messages/memory-store.js";
import { createIdGenerator } from "../server/messages/message-id.js";
import { searchTerms } from "../server/messages/search-terms.js";

const CHANNELS = Number(process.env.STORE_CHANNELS ?? 100);
const PER_CHANNEL = Number(process.env.STORE_PER_CHANNEL ?? 10_000);
const RUNS = Number(process.env.STORE_RUNS ?? 20_000);

const store = new MemoryStore(PER_CHANNEL, CHANNELS * PER_CHANNEL);
const ids = createIdGenerator();
const from = { userId: "bench-user", name: "bench", socketId: "bench-socket" };

/** Inserts `count` messages round-robin over the rooms; µs per insert. */
async function insert(count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const room = `room${i % CHANNELS}`;
    const id = ids();
    // Common words, as in real chat: their term lists span the whole store.
    const text = `hello from the ${room}, message ${i}`;
    await store.insert({ id, kind: "room", room, from, text, createdAt: new Date().toISOString(), channel: roomChannel(room), key: `k-${id}`, terms: searchTerms(text) });
  }
  return ((performance.now() - start) / count) * 1000;
}

const fill = await insert(CHANNELS * PER_CHANNEL);
console.log(`filled ${CHANNELS} rooms × ${PER_CHANNEL}: ${fill.toFixed(1)} µs per insert`);
for (let round = 1; round <= 3; round++) {
  console.log(`full store, round ${round}: ${(await insert(RUNS)).toFixed(1)} µs per insert (each drops the oldest message of its room)`);
}
