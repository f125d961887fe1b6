/**
 * Picks the backend: MongoDB when MONGODB_URI is set, otherwise the embedded
 * SQLite database in DATA_DIR. Each backend is loaded only when chosen, so a
 * MongoDB deployment never opens `node:sqlite` and the embedded one never
 * loads mongoose.
 */
import path from "node:path";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Storage } from "./storage.js";

/** The embedded database's file name inside DATA_DIR. */
export const SQLITE_FILE = "chat.db";

export async function createStorage(config: Config, logger: Logger): Promise<Storage> {
  if (config.mongodbUri) {
    const { MongoStorage } = await import("./mongo-storage.js");
    // Several nodes share one database only with REDIS_URL (docs/operations.md): without it this process is its only writer.
    return new MongoStorage(config.mongodbUri, logger, { sharedWriters: config.redisUrl !== undefined });
  }
  const file = config.dataDir === ":memory:" ? ":memory:" : path.resolve(config.dataDir, SQLITE_FILE);
  if (file === ":memory:") {
    logger.warn("storage: SQLite in memory (DATA_DIR=:memory:) — history is lost when the process exits");
  } else {
    logger.info({ file }, `storage: embedded SQLite database ${file} (set MONGODB_URI to use MongoDB instead)`);
  }
  if (config.redisUrl) {
    logger.warn(
      "storage: REDIS_URL is set but MONGODB_URI is not — each node keeps its own SQLite history, " +
        "so people on different nodes see different histories. Several nodes need MongoDB: set MONGODB_URI.",
    );
  }
  const { SqliteStorage } = await import("./sqlite-storage.js");
  return new SqliteStorage({ path: file, logger });
}
