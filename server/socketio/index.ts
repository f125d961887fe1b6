/**
 * The socketio module: builds the Socket.IO server on an http.Server and
 * wires the handlers, one module per concern.
 *
 * @example
 * const sockets = createSocketServer(httpServer, {
 *   services: (delivery) => createServices(storage, { config, logger, delivery }),
 *   config,
 *   logger,
 * });
 */
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import type { AccountService, SocketsToEnd } from "../accounts/account-service.js";
import { SESSION_COOKIE, type IdentityResolver } from "../auth/identity.js";
import type { TokenSigner } from "../auth/tokens.js";
import { cookieOf } from "../http/request.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { createChatMetrics, type ChatMetrics, type RefusalReason } from "../metrics/chat-metrics.js";
import { countDeliveries } from "../metrics/socket-metrics.js";
import { createSchemas, type ChatMessage } from "../protocol.js";
import type { Delivery, Services } from "../services.js";
import { mentionFanOut } from "./mentions.js";
import { changeHandlers } from "./changes.js";
import { messageHandlers } from "./messages.js";
import { Membership } from "./membership.js";
import { peopleHandlers, personNotifier, recordConnection, rememberOnDisconnect } from "./people.js";
import { ConnectionCap } from "./connection-cap.js";
import { connectionRefusals, logConnected, logDisconnected, observeRefusals, refusedRequest } from "./connection-log.js";
import { Drain } from "./drain.js";
import { batchWrites } from "./write-batching.js";
import { originAllowed } from "./origin.js";
import { publish } from "./publish.js";
import { createRateLimiter } from "./rate-limit.js";
import { recoveryAdapter } from "./recovery-adapter.js";
import { roomHandlers } from "./rooms.js";
import { eventRouter } from "./router.js";
import { searchHandlers } from "./search.js";
import { sessionMiddleware } from "./session.js";
import { typingHandlers } from "./typing.js";
import { releaseUpgradeRequests } from "./upgrade-requests.js";
import {
  roomKey,
  sessionKey,
  userKey,
  type ChatServer,
  type ChatSocket,
  type HandlerContext,
  type SocketStats,
} from "./types.js";

export type SocketServerDeps = {
  /** Builds the services on the delivery this module provides (see server/services.ts). */
  services: (delivery: Delivery) => Services;
  config: Config;
  logger: Logger;
  /** A cluster adapter (Redis) to share rooms and events with other nodes; in-memory when absent. */
  adapter?: ServerOptions["adapter"];
  /** This instance's metrics; a private set when absent. */
  metrics?: ChatMetrics;
  /** Identity tokens: guests' (signed) and accounts' (stored sessions). */
  signer: TokenSigner;
  identity: IdentityResolver;
  accounts: AccountService;
};

/** The part of an Engine.IO connection the connection cap needs. */
type EngineConnection = {
  request: IncomingMessage | null;
  on(event: "close", listener: (this: EngineConnection) => void): unknown;
};

export type SocketServer = {
  io: ChatServer;
  stats: SocketStats;
  /** The services the handlers use, as `deps.services` built them. */
  services: Services;
  /** Who is where, cluster-wide, as this node sees it. */
  membership: Membership;
  /**
   * Graceful stop: refuses new connections and requests, lets handlers in
   * flight finish and ack (up to `drainMs`), then closes every connection so
   * clients reconnect (to this server once restarted, or to another node).
   */
  shutdown(drainMs: number): Promise<void>;
  /** Disconnects the sockets of account sessions that ended, or every socket of a person, on every node. */
  endSockets(which: SocketsToEnd): void;
};

/** How long a dropped socket's rooms and missed messages are kept for it (connection-state recovery). */
const RECOVERY_WINDOW_MS = 2 * 60 * 1000;

export function createSocketServer(httpServer: HttpServer, deps: SocketServerDeps): SocketServer {
  const { config, logger } = deps;
  const metrics = deps.metrics ?? createChatMetrics();
  const cap = new ConnectionCap(config.maxConnectionsPerIp, config.trustProxy);
  const refused = connectionRefusals(logger, metrics);
  const refuse = (req: IncomingMessage, reason: RefusalReason) => refused(reason, refusedRequest(req, cap.addressOf(req)));
  const addressOf = (socket: ChatSocket) => cap.addressOfConnection(socket.conn);
  const drain = new Drain();
  const io: ChatServer = new Server(httpServer, {
    maxHttpBufferSize: config.maxHttpBufferSize,
    allowRequest: (req, callback) => {
      if (drain.draining) {
        refuse(req, "draining");
        callback("server is shutting down", false);
      } else if (!originAllowed(req, config.allowedOrigins)) {
        refuse(req, "origin");
        callback("origin not allowed", false);
      } else if (!cap.allows(req)) {
        refuse(req, "cap");
        callback("too many connections", false);
      } else {
        callback(null, true);
      }
    },
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
    adapter:
      deps.adapter ?? recoveryAdapter({ maxDisconnectionDuration: RECOVERY_WINDOW_MS, maxPackets: config.recoveryMaxPackets }),
  });

  const { signer } = deps;
  const stats: SocketStats = { unknownEvents: 0, missingAck: 0 };
  const schemas = createSchemas(config.maxTextLength);
  const limiter = createRateLimiter(config.rateLimit);
  const deliverMessage = fanOut(io, "message");
  const deliverMentions = mentionFanOut(io);
  const services = deps.services({
    message: async (message) => {
      await deliverMessage(message);
      await deliverMentions(message);
    },
    updated: fanOut(io, "message updated"),
  });
  const ctx: HandlerContext = {
    ...services,
    io,
    schemas,
    limiter,
    addressOf,
    logger,
    config,
    stats,
    drain,
    metrics,
  };
  // Who is where, cluster-wide; it follows the adapter's rooms, so joins, leaves,
  // disconnections and recovered sessions all count without a listener per socket.
  const membership: Membership = new Membership({
    io,
    logger,
    clustered: deps.adapter !== undefined,
    onPerson: personNotifier(ctx, () => membership),
  });
  // Every listener is built here, once; each socket registers the same functions
  // (see SharedListener), so that an idle connection holds no closures of its own.
  const route = eventRouter(
    {
      ...roomHandlers(ctx, membership),
      ...messageHandlers(ctx),
      ...changeHandlers(ctx),
      ...typingHandlers(ctx),
      ...peopleHandlers(ctx, membership),
      ...searchHandlers(ctx),
    },
    stats,
  );
  const onDisconnect = [logDisconnected(ctx.addressOf, logger), rememberOnDisconnect(ctx)];

  // One function releases every connection, called with it as `this`; Engine.IO emits `close` once per connection.
  const release = function (this: EngineConnection) {
    cap.release(this);
  };
  // The session cookie a connection's request carried (browsers signed in to an account), read before the request goes.
  const cookieTokens = new WeakMap<object, string>();
  io.engine.on("connection", (conn: EngineConnection) => {
    if (conn.request) {
      cap.open(conn, conn.request);
      const token = cookieOf(conn.request, SESSION_COOKIE);
      if (token) cookieTokens.set(conn, token);
    }
    // The request that opened the connection (headers, URL, parser state) is not
    // needed once its address is counted, and nothing here reads it later. For a
    // connection opened by long-polling, as browsers open theirs, that frees about
    // 3.5 KB (a WebSocket upgrade's request is let go too: see upgrade-requests.ts).
    // Socket.IO builds handshakes without it, so `socket.handshake` has no headers,
    // query or URL: whatever a handler needs from the request must be read here,
    // before it goes, as the address is.
    conn.request = null;
    conn.on("close", release);
  });
  releaseUpgradeRequests(io.engine);
  countDeliveries(io, metrics);
  // Frames for one connection within one event-loop turn leave in one write (see write-batching.ts).
  const writes = batchWrites(io);
  const session = sessionMiddleware({
    signer,
    identity: deps.identity,
    accounts: deps.accounts,
    cookieToken: (socket) => cookieTokens.get(socket.conn),
  });
  io.use(observeRefusals(session, refused, addressOf));

  io.on("connection", async (socket) => {
    logConnected(socket, addressOf(socket), logger);
    // Client events reach their handlers untyped on purpose: nothing from the wire is trusted until parsed (see ack.ts).
    socket.onAny(route);
    for (const listener of onDisconnect) socket.on("disconnect", listener);

    const { userId, name, account, sessionId } = socket.data;
    if (socket.recovered) {
      // The adapter restored its rooms before the socket was registered: count them now.
      membership.restored(socket);
      // A recovered socket skips the handshake's checks: its account session may have ended while it was away.
      if (sessionId !== undefined && !(await sessionStands(sessionId))) {
        socket.disconnect(true);
        return;
      }
    } else {
      void socket.join(sessionId === undefined ? userKey(userId) : [userKey(userId), sessionKey(sessionId)]);
    }
    // Recorded before `session`, so whoever has a session can be written to from then on.
    await recordConnection(services.people, socket.data, logger);
    // A guest gets its token to present again; a signed-in socket's token stays where it is (cookie or client).
    socket.emit("session", account === undefined ? { userId, name, token: signer.tokenFor(userId), socketId: socket.id } : { userId, name, account, socketId: socket.id });
  });

  const shutdown = async (drainMs: number) => {
    const deadline = performance.now() + drainMs;
    drain.draining = true;
    if (!(await drain.idle(drainMs))) logger.warn("shutdown: requests still in flight after the drain period");
    // Closing drops what a connection has not taken yet: the acks and fan-outs
    // just sent must reach every transport first, within the same period.
    const { allTaken, error } = await writes.writeOut(Math.max(0, deadline - performance.now()));
    if (error !== undefined) logger.warn({ err: error }, "shutdown: a connection's last writes failed");
    if (!allTaken) logger.warn("shutdown: some connections had not taken their last packets after the drain period");
    await new Promise<void>((resolve) => {
      void io.close(() => resolve());
    });
    membership.close();
  };

  const sessionStands = async (sessionId: string) => {
    try {
      return (await deps.accounts.call((s) => s.session(sessionId))) !== undefined;
    } catch {
      return true; // storage is down: the session was good when the socket signed in, and ending one disconnects it anyway
    }
  };

  const endSockets = (which: SocketsToEnd) => {
    const rooms = "userId" in which ? [userKey(which.userId)] : which.sessionIds.map(sessionKey);
    // Through the adapter: with Redis, every node disconnects its own sockets in those rooms.
    if (rooms.length > 0) io.in(rooms).disconnectSockets(true);
  };

  return { io, stats, services, membership, shutdown, endSockets };
}

/** Routes a stored message (`message`) or its new state (`message updated`) to the sockets that may see it. */
function fanOut(io: ChatServer, event: "message" | "message updated") {
  return (message: ChatMessage): Promise<void> => {
    const rooms =
      message.kind === "broadcast"
        ? [] // no room: every socket
        : message.kind === "private"
          ? [userKey(message.from.userId), userKey(message.to?.userId ?? "")]
          : [roomKey(message.room ?? "")];
    return publish(io, rooms, event, message);
  };
}
