/**
 * The socketio module: builds the Socket.IO server on an http.Server and
 * wires the handlers, one module per concern.
 *
 * @example
 * const io = createSocketServer(httpServer, { store, config, logger });
 */
import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { createTokenSigner } from "../auth/tokens.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { createIdGenerator } from "../messages/message-id.js";
import { MessageService } from "../messages/message-service.js";
import type { MessageStore } from "../messages/store.js";
import { CLIENT_EVENTS, createSchemas, type ChatMessage } from "../protocol.js";
import { registerMessageHandlers } from "./messages.js";
import { originAllowed } from "./origin.js";
import { announcePresence } from "./presence.js";
import { RateLimiter } from "./rate-limit.js";
import { registerRoomHandlers } from "./rooms.js";
import { sessionMiddleware } from "./session.js";
import { registerTypingHandlers } from "./typing.js";
import { isRoomKey, roomKey, roomOfKey, userKey, type ChatServer, type SocketStats } from "./types.js";

export type SocketServerDeps = { store: MessageStore; config: Config; logger: Logger };

export type SocketServer = { io: ChatServer; stats: SocketStats };

export function createSocketServer(httpServer: HttpServer, deps: SocketServerDeps): SocketServer {
  const { store, config, logger } = deps;
  const io: ChatServer = new Server(httpServer, {
    maxHttpBufferSize: config.maxHttpBufferSize,
    allowRequest: (req, callback) => {
      const ok = originAllowed(req, config.allowedOrigins);
      if (!ok) logger.warn({ origin: req.headers.origin }, "connection refused: origin not allowed");
      callback(ok ? null : "origin not allowed", ok);
    },
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true },
  });

  const signer = createTokenSigner(config.sessionSecret);
  const stats: SocketStats = { unknownEvents: 0, missingAck: 0 };
  const schemas = createSchemas(config.maxTextLength);
  const limiter = new RateLimiter({
    send: config.rateLimit,
    join: { burst: 20, perSecond: 2 },
    history: { burst: 30, perSecond: 5 },
    typing: { burst: 20, perSecond: 4 },
  });
  const service = new MessageService({ store, ids: createIdGenerator(), logger, deliver: fanOut(io) });
  const known = new Set<string>(CLIENT_EVENTS);

  io.use(sessionMiddleware(signer));

  io.on("connection", (socket) => {
    const ctx = { io, socket, service, schemas, limiter, logger, config, stats };
    registerRoomHandlers(ctx);
    registerMessageHandlers(ctx);
    registerTypingHandlers(ctx);
    socket.onAny((event: unknown) => {
      if (typeof event !== "string" || !known.has(event)) stats.unknownEvents++;
    });

    const { userId, name } = socket.data;
    if (socket.recovered) {
      // The adapter restored its rooms; tell them it is back.
      for (const key of socket.rooms) if (isRoomKey(key)) void announcePresence(io, roomOfKey(key));
    } else {
      void socket.join(userKey(userId));
    }
    socket.emit("session", { userId, name, token: signer.tokenFor(userId), socketId: socket.id });
  });

  return { io, stats };
}

/** Routes a newly stored message to the sockets that may see it. */
function fanOut(io: ChatServer) {
  return (message: ChatMessage): void => {
    switch (message.kind) {
      case "room":
      case "system":
        io.to(roomKey(message.room ?? "")).emit("message", message);
        break;
      case "broadcast":
        io.emit("message", message);
        break;
      case "private":
        io.to(userKey(message.from.userId))
          .to(userKey(message.to?.userId ?? ""))
          .emit("message", message);
        break;
    }
  };
}
