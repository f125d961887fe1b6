/**
 * Logs and counts the life of Socket.IO connections: one line when a socket
 * connects, one when it disconnects, one per refused connection. Lines carry
 * the socket id (the id a client sees in `session`) so one client can be
 * followed; never the handshake's `auth` (it holds the identity token) nor
 * anything a person wrote.
 */
import type { IncomingMessage } from "node:http";
import type { ExtendedError } from "socket.io";
import type { Logger } from "../logger.js";
import type { ChatMetrics, RefusalReason } from "../metrics/chat-metrics.js";
import type { ChatSocket, SharedListener } from "./types.js";

/** The transport a handshake asked for, from Engine.IO's query string. */
function transportOf(req: IncomingMessage): string | undefined {
  const match = /[?&]transport=(websocket|polling|webtransport)(?:&|$)/.exec(req.url ?? "");
  return match?.[1];
}

/** What a refusal line says about who was refused. */
export type RefusedClient = { ip: string; origin?: string | undefined; transport?: string | undefined };

/** A refused HTTP request (a new Engine.IO session), described for the refusal line. */
export const refusedRequest = (req: IncomingMessage, ip: string): RefusedClient => ({
  ip,
  origin: req.headers.origin,
  transport: transportOf(req),
});

/**
 * Counts and logs one refused connection.
 *
 * @example
 * const refused = connectionRefusals(logger, metrics);
 * refused("origin", refusedRequest(req, cap.addressOf(req)));
 */
export function connectionRefusals(logger: Logger, metrics: ChatMetrics) {
  return (reason: RefusalReason, client: RefusedClient): void => {
    metrics.connectionsRefused.inc({ reason });
    logger.warn({ reason, ...client }, "connection refused");
  };
}

type Middleware = (socket: ChatSocket, next: (err?: ExtendedError) => void) => void;

/** The refusal reason of a handshake middleware's error code. */
const REASON_OF_CODE: Record<string, RefusalReason> = {
  INVALID_INPUT: "invalid_auth",
  UNAUTHORIZED: "unauthorized",
  NAME_TAKEN: "name_taken",
  UNAVAILABLE: "unavailable",
};

/**
 * Wraps a handshake middleware so that each connection it refuses is counted
 * and logged, by the error code it refused with. The connection's HTTP request
 * is gone by then (see index.ts): the address comes from `addressOf`, the
 * transport from the connection itself.
 */
export function observeRefusals(
  middleware: Middleware,
  refused: (reason: RefusalReason, client: RefusedClient) => void,
  addressOf: (socket: ChatSocket) => string,
): Middleware {
  return (socket, next) =>
    middleware(socket, (err) => {
      if (err) {
        refused(REASON_OF_CODE[err.message] ?? "unauthorized", {
          ip: addressOf(socket),
          transport: socket.conn.transport.name,
        });
      }
      next(err);
    });
}

/** The line when a socket connects. */
export function logConnected(socket: ChatSocket, ip: string, logger: Logger): void {
  logger.info(
    { socketId: socket.id, userId: socket.data.userId, ip, transport: socket.conn.transport.name, recovered: socket.recovered },
    "socket connected",
  );
}

/**
 * The `disconnect` listener that logs the line when a socket goes, with why
 * and after how long (counted from its handshake). Everything it says is read
 * from the socket then, so a connection keeps nothing for it meanwhile.
 */
export function logDisconnected(addressOf: (socket: ChatSocket) => string, logger: Logger): SharedListener {
  return function (this: ChatSocket, reason: unknown) {
    logger.info(
      {
        socketId: this.id,
        userId: this.data.userId,
        ip: addressOf(this),
        transport: this.conn.transport.name,
        reason,
        durationMs: Date.now() - this.handshake.issued,
      },
      "socket disconnected",
    );
  };
}
