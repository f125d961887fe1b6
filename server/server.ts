/**
 * Composition root: store + Express app + http.Server + Socket.IO, wired
 * together but not listening. bin/www listens; tests listen on port 0.
 */
import http from "node:http";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createStore } from "./messages/create-store.js";
import { createChatMetrics, type ChatMetrics } from "./metrics/chat-metrics.js";
import { instrumentStore } from "./metrics/instrument-store.js";
import { localRoomCount, socketCount } from "./metrics/socket-metrics.js";
import type { MessageStore } from "./messages/store.js";
import { createSocketServer } from "./socketio/index.js";
import { createRedisScaleOut } from "./socketio/redis-adapter.js";
import { isRoomKey, type ChatServer, type SocketStats } from "./socketio/types.js";

export type ChatApp = {
  httpServer: http.Server;
  io: ChatServer;
  store: MessageStore;
  stats: SocketStats;
  /** This instance's metrics (what `/metrics` serves). */
  metrics: ChatMetrics;
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
  const metrics = createChatMetrics();
  const store = instrumentStore(deps.store ?? (await createStore(config, logger)), metrics);
  await store.init();
  const redis = config.redisUrl ? await createRedisScaleOut(config.redisUrl, config.redisPrefix, logger) : undefined;
  const readiness = async () => ({
    storage: await store.isReady(),
    ...(redis ? { redis: await redis.isReady() } : {}),
  });
  const app = createApp({ config, logger, readiness, metrics: metrics.registry });
  const httpServer = http.createServer(app);
  const sockets = createSocketServer(httpServer, {
    store,
    config,
    logger,
    metrics,
    ...(redis ? { adapter: redis.adapter } : {}),
  });
  const { io, stats } = sockets;
  metrics.watch({
    sockets: socketCount(io),
    rooms: localRoomCount(io, isRoomKey),
    storeUp: () => store.isReady(),
    redisUp: redis && (() => redis.isReady()),
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Leave a quarter of the shutdown budget for closing connections and storage.
      await sockets.shutdown(Math.floor(config.shutdownTimeoutMs * 0.75));
      await redis?.close();
      await store.close();
    })());
  return { httpServer, io, store, stats, metrics, close };
}
