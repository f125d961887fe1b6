import type { Server, Socket } from "socket.io";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { ChatMetrics } from "../metrics/chat-metrics.js";
import type {
  ClientToServerEvents,
  InterServerEvents,
  Schemas,
  ServerToClientEvents,
  SocketData,
  User,
} from "../protocol.js";
import type { Services } from "../services.js";
import type { Drain } from "./drain.js";
import type { RateLimiter } from "./rate-limit.js";

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Counters of input the server ignored; exposed for tests and diagnostics. */
export type SocketStats = { unknownEvents: number; missingAck: number };

/**
 * What every handler module receives: the server's services, built once per
 * server. The socket an event came from is passed to each call; nothing here
 * is per socket, so that an idle connection costs no handler objects.
 */
export type HandlerContext = Services & {
  io: ChatServer;
  schemas: Schemas;
  limiter: RateLimiter;
  /** The address a socket's connection is counted against (see connection-cap.ts), for per-address limits. */
  addressOf: (socket: ChatSocket) => string;
  logger: Logger;
  config: Config;
  stats: SocketStats;
  drain: Drain;
  metrics: ChatMetrics;
};

/**
 * A listener shared by every socket: one function per server, called with
 * the socket as `this` (as Node's EventEmitter and Socket.IO's `onAny` call
 * listeners). A closure per socket and event would cost memory on every idle
 * connection.
 */
export type SharedListener = (this: ChatSocket, ...args: unknown[]) => void;

/** Client event name → its shared listener, as the handler modules build them (see router.ts). */
export type EventListeners = Record<string, SharedListener>;

/** Socket.IO room names: chat rooms and per-user rooms never collide with socket ids. */
export const roomKey = (room: string): string => `room:${room}`;
export const userKey = (userId: string): string => `user:${userId}`;
export const isRoomKey = (key: string): boolean => key.startsWith("room:");
export const roomOfKey = (key: string): string => key.slice("room:".length);

/** The server's view of who owns a socket. */
export const userOf = (socket: { id: string; data: SocketData }): User => ({
  userId: socket.data.userId,
  name: socket.data.name,
  socketId: socket.id,
});
