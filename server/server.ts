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
import { AttachmentService } from "./attachments/attachment-service.js";
import { IdentityResolver } from "./auth/identity.js";
import { createTokenSigner } from "./auth/tokens.js";
import { createAccountServices, createServices, createStorageLimiter, type AccountServices, type Services } from "./services.js";
import { createSocketServer, type SocketServer } from "./socketio/index.js";
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
  accounts: AccountServices;
  attachments: AttachmentService;
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
  const limiter = createStorageLimiter(config);
  // The socket server is built after the app (it needs the http server); ending sessions reaches it then.
  const late: { sockets?: SocketServer } = {};
  const accounts = createAccountServices(storage, {
    limiter,
    ...(redis ? { counters: (windowMs: number) => redis.failureCounter(windowMs) } : {}),
    endSockets: (which) => late.sockets?.endSockets(which),
    count: (method, result) => metrics.auth.inc({ method, result }),
  });
  const signer = createTokenSigner(config.sessionSecret);
  const identity = new IdentityResolver(signer, accounts.accounts);
  const attachments = new AttachmentService({
    store: storage.attachments,
    limiter,
    logger,
    maxBytes: config.attachments.maxBytes,
    unusedTtlMs: config.attachments.unusedTtlMs,
    findMessage: (userId, key) => storage.messages.findByKey(userId, key),
  });
  const app = createApp({
    config,
    logger,
    readiness,
    metrics: metrics.registry,
    accounts: { ...accounts, identity },
    attachments: { service: attachments, count: (result) => metrics.attachmentUploads.inc({ result }) },
  });
  const httpServer = http.createServer(app);
  const sockets = createSocketServer(httpServer, {
    services: (delivery) => createServices(storage, { config, logger, delivery, limiter, attachments }),
    config,
    logger,
    metrics,
    signer,
    identity,
    accounts: accounts.accounts,
    ...(redis ? { adapter: redis.adapter } : {}),
  });
  late.sockets = sockets;
  const { io, stats, services } = sockets;
  metrics.watch({
    sockets: socketCount(io),
    rooms: localRoomCount(io, isRoomKey),
    storeUp: () => storage.isReady(),
    redisUp: redis && (() => redis.isReady()),
    clusterNodes: redis && (() => sockets.membership.nodeCount()),
    attachmentBytes: () => attachments.totalBytes(),
  });
  attachments.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Leave a quarter of the shutdown budget for closing connections and storage.
      attachments.stop();
      await sockets.shutdown(Math.floor(config.shutdownTimeoutMs * 0.75));
      await redis?.close();
      await storage.close();
    })());
  return { httpServer, io, storage, services, accounts, attachments, stats, metrics, close };
}
