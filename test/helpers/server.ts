/** Starts the real HTTP + Socket.IO server on a free port for a test. */
import type { AddressInfo } from "node:net";
import { loadConfig, type Config } from "../../server/config.js";
import { createLogger, type Logger } from "../../server/logger.js";
import { createChatServer, type ChatApp } from "../../server/server.js";
import type { Storage } from "../../server/storage/storage.js";

export type TestServer = { url: string; port: number; chat: ChatApp; config: Config; close(): Promise<void> };

export async function startServer(
  options: {
    env?: Record<string, string>;
    /** The server's storage; unless given, what `env` names: a fresh SQLite database in memory, or MONGODB_URI. */
    storage?: Storage;
    port?: number;
    /** Address to listen on; 127.0.0.1 unless given. */
    host?: string;
    /** Used instead of the logger built from the config (e.g. one writing to memory, to inspect logs). */
    logger?: Logger;
  } = {},
): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SESSION_SECRET: "test-secret-that-is-at-least-32-characters",
    // Every test client comes from 127.0.0.1: per-address limits are tested on their own.
    RATE_LIMIT_PER_IP_FACTOR: "100000",
    DATA_DIR: ":memory:",
    ...options.env,
  });
  const logger = options.logger ?? createLogger(config);
  const chat = await createChatServer({ config, logger, ...(options.storage ? { storage: options.storage } : {}) });
  await new Promise<void>((resolve, reject) => {
    chat.httpServer.once("error", reject);
    chat.httpServer.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = chat.httpServer.address() as AddressInfo;
  const host = options.host?.includes(":") ? `[${options.host}]` : (options.host ?? "127.0.0.1");
  return { url: `http://${host}:${port}`, port, chat, config, close: () => chat.close() };
}
