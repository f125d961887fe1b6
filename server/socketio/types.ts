import type { Server, Socket } from "socket.io";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { ChatMetrics } from "../metrics/chat-metrics.js";
import type {
  ClientToServerEvents,
  Schemas,
  ServerToClientEvents,
  SocketData,
  User,
} from "../protocol.js";
import type { Services } from "../services.js";
import type { Drain } from "./drain.js";
import type { RateLimiter } from "./rate-limit.js";

/**
 * One change of a node's sockets: joined (`room` "" = connected) or left
 * (`room` "" = disconnected). `account`: the username of a signed-in socket.
 */
export type MembershipOp =
  | ["j", socketId: string, userId: string, name: string, room: string, account?: string]
  | ["l", socketId: string, room: string];
/** A socket in a snapshot: its id, person, name, chat rooms, and account when signed in. */
export type SnapshotSocket = [socketId: string, userId: string, name: string, rooms: string[], account?: string];

/**
 * What nodes tell each other about their sockets (see membership.ts): deltas
 * (`d`), heartbeats (`h`), a request for a snapshot (`r`, of one node or "*"),
 * snapshots (`s`) and a node's goodbye when it shuts down (`b`). `seq`
 * numbers each node's deltas.
 */
export type MembershipMessage =
  | { t: "d"; node: string; seq: number; ops: MembershipOp[] }
  | { t: "b"; node: string }
  | { t: "h"; node: string; seq: number }
  | { t: "r"; node: string; of: string }
  | { t: "s"; node: string; seq: number; sockets: SnapshotSocket[] };

/** Events between the nodes of a cluster (`serverSideEmit`). */
export interface InterServerEvents {
  membership: (message: MembershipMessage) => void;
}

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
/** The sockets signed in through one account session (v1.2), so that ending it disconnects them on every node. */
export const sessionKey = (sessionId: string): string => `session:${sessionId}`;
export const isRoomKey = (key: string): boolean => key.startsWith("room:");
export const roomOfKey = (key: string): string => key.slice("room:".length);

/** The server's view of who owns a socket. */
export const userOf = (socket: { id: string; data: SocketData }): User =>
  socket.data.account === undefined
    ? { userId: socket.data.userId, name: socket.data.name, socketId: socket.id }
    : { userId: socket.data.userId, name: socket.data.name, account: socket.data.account, socketId: socket.id };
