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
import type { ChatServer, SocketStats } from "./socketio/types.js";

export type ChatApp = {
  httpServer: http.Server;
  io: ChatServer;
  store: MessageStore;
  stats: SocketStats;
  /** Stops accepting connections, disconnects every socket, closes storage. */
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
  const app = createApp({ config, logger, readiness: async () => ({ storage: await store.isReady() }) });
  const httpServer = http.createServer(app);
  const { io, stats } = createSocketServer(httpServer, { store, config, logger });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      await store.close();
    })());
  return { httpServer, io, store, stats, close };
}
