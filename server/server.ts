/**
 * Composition root: store + Express app + http.Server + Socket.IO, wired
 * together but not listening. bin/www listens; tests listen on port 0.
 */
import http from "node:http";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createStore } from "./messages/create-store.js";
import type { MessageStore } from "./messages/store.js";
import { createSocketServer } from "./socketio/index.js";
import { createRedisScaleOut } from "./socketio/redis-adapter.js";
import type { ChatServer, SocketStats } from "./socketio/types.js";

export type ChatApp = {
  httpServer: http.Server;
  io: ChatServer;
  store: MessageStore;
  stats: SocketStats;
  /**
   * Graceful stop: refuses new connections and requests, waits for writes in
   * flight to be stored and acked, closes every connection (clients reconnect),
   * then closes storage.
   */
  close(): Promise<void>;
};

export async function createChatServer(deps: {
  config: Config;
  logger: Logger;
  store?: MessageStore;
}): Promise<ChatApp> {
  const { config, logger } = deps;
  const store = deps.store ?? (await createStore(config, logger));
  await store.init();
  const redis = config.redisUrl ? await createRedisScaleOut(config.redisUrl, config.redisPrefix, logger) : undefined;
  const readiness = async () => ({
    storage: await store.isReady(),
    ...(redis ? { redis: await redis.isReady() } : {}),
  });
  const app = createApp({ config, logger, readiness });
  const httpServer = http.createServer(app);
  const sockets = createSocketServer(httpServer, {
    store,
    config,
    logger,
    ...(redis ? { adapter: redis.adapter } : {}),
  });
  const { io, stats } = sockets;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Leave a quarter of the shutdown budget for closing connections and storage.
      await sockets.shutdown(Math.floor(config.shutdownTimeoutMs * 0.75));
      await redis?.close();
      await store.close();
    })());
  return { httpServer, io, store, stats, close };
}
