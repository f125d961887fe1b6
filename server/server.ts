/**
 * Composition root: storage + services + Express app + http.Server +
 * Socket.IO, wired together but not listening. bin/www listens; tests listen
 * on port 0.
 */
import http from "node:http";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createChatMetrics, type ChatMetrics } from "./metrics/chat-metrics.js";
import { instrumentStorage } from "./metrics/instrument-storage.js";
import { localRoomCount, socketCount } from "./metrics/socket-metrics.js";
import { createServices, type Services } from "./services.js";
import { createSocketServer } from "./socketio/index.js";
import { createRedisScaleOut } from "./socketio/redis-adapter.js";
import { isRoomKey, type ChatServer, type SocketStats } from "./socketio/types.js";
import { createStorage } from "./storage/create-storage.js";
import type { Storage } from "./storage/storage.js";

export type ChatApp = {
  httpServer: http.Server;
  io: ChatServer;
  /** The storage the services use (timed by the metrics). */
  storage: Storage;
  services: Services;
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
  /** Used instead of the storage the config names (tests prepare one). */
  storage?: Storage;
}): Promise<ChatApp> {
  const { config, logger } = deps;
  const metrics = createChatMetrics();
  const storage = instrumentStorage(deps.storage ?? (await createStorage(config, logger)), metrics);
  await storage.init();
  const redis = config.redisUrl
    ? await createRedisScaleOut(config.redisUrl, config.redisPrefix, logger, (command) => metrics.redisCommands.inc({ command }))
    : undefined;
  const readiness = async () => ({
    storage: await storage.isReady(),
    ...(redis ? { redis: await redis.isReady() } : {}),
  });
  const app = createApp({ config, logger, readiness, metrics: metrics.registry });
  const httpServer = http.createServer(app);
  const sockets = createSocketServer(httpServer, {
    services: (delivery) => createServices(storage, { config, logger, delivery }),
    config,
    logger,
    metrics,
    ...(redis ? { adapter: redis.adapter } : {}),
  });
  const { io, stats, services } = sockets;
  metrics.watch({
    sockets: socketCount(io),
    rooms: localRoomCount(io, isRoomKey),
    storeUp: () => storage.isReady(),
    redisUp: redis && (() => redis.isReady()),
    clusterNodes: redis && (() => sockets.membership.nodeCount()),
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Leave a quarter of the shutdown budget for closing connections and storage.
      await sockets.shutdown(Math.floor(config.shutdownTimeoutMs * 0.75));
      await redis?.close();
      await storage.close();
    })());
  return { httpServer, io, storage, services, stats, metrics, close };
}
