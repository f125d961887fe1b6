/**
 * This project's server as a benchmark peer: built by its own factory
 * (createChatServer) on the embedded SQLite database, or on MongoDB when
 * MONGODB_URI is set (`--store mongo`: a fresh FerretDB of its own),
 * configured only through its real environment variables
 * (bench/lib/peer-process.ts raises the limits and gives it a fresh DATA_DIR). Only a scenario that asks for it (the
 * `rooms` scenario's two nodes) sets REDIS_URL.
 */
import { loadConfig } from "../../server/config.js";
import { createLogger } from "../../server/logger.js";
import { roomChannel } from "../../server/channels/channel.js";
import { createIdGenerator } from "../../server/messages/message-id.js";
import { createChatServer } from "../../server/server.js";
import { hostPeer } from "./peer-host.js";

const config = loadConfig(process.env);
const chat = await createChatServer({ config, logger: createLogger(config) });

// History is filled through the stores' own API (MessageStore.insert), the
// same call the message service makes, rather than through thousands of sends.
const filler = { userId: "bench-filler", name: "filler", socketId: "bench-filler" };
await hostPeer(
  chat.httpServer,
  () => chat.close(),
  async ({ room, count }) => {
    const start = performance.now();
    const ids = createIdGenerator();
    await chat.storage.rooms.add(room);
    // A batch in flight at a time, as many writers would: they share commits.
    let inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const id = ids();
      inFlight.push(chat.storage.messages.insert({
        id,
        kind: "room",
        room,
        from: filler,
        text: `history message number ${i} of the benchmark`,
        createdAt: new Date().toISOString(),
        channel: roomChannel(room),
        key: `fill-${id}`,
      }));
      if (inFlight.length === 256) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
    return { filled: count, ms: performance.now() - start };
  },
);
