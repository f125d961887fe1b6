import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { MemoryStore } from "./memory-store.js";
import type { MessageStore } from "./store.js";

/** MongoDB when MONGODB_URI is set, otherwise the in-memory store (announced loudly). */
export async function createStore(config: Config, logger: Logger): Promise<MessageStore> {
  if (config.mongodbUri) {
    const { MongoStore } = await import("./mongo-store.js");
    return new MongoStore(config.mongodbUri, logger);
  }
  logger.warn(
    "storage: in-memory — chat history is NOT persisted and is lost on restart. " +
      "Set MONGODB_URI (e.g. mongodb://127.0.0.1:27017/chat) to keep it in MongoDB.",
  );
  return new MemoryStore(config.memoryStoreMaxPerChannel, config.memoryStoreMaxMessages, config.memoryStoreMaxPeople);
}
