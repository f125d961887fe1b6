/**
 * People (protocol v1.1): `conversations`, `read`, remembering who connects,
 * and finding a private message's recipient by userId.
 */
import { z } from "zod";
import type { Logger } from "../logger.js";
import type { User } from "../protocol.js";
import type { PeopleService } from "../people/people-service.js";
import { within } from "../within.js";
import { ackListener, limit } from "./ack.js";
import { fetchSocketsIn } from "./cluster.js";
import {
  userKey,
  userOf,
  type ChatServer,
  type ChatSocket,
  type EventListeners,
  type HandlerContext,
  type SharedListener,
} from "./types.js";

/** Longest a new socket's `session` waits for its person to be recorded (storage may be down). */
const RECORD_WAIT_MS = 500;

export function peopleHandlers(ctx: HandlerContext): EventListeners {
  const { people } = ctx;

  const conversations = ackListener(ctx, "conversations", z.tuple([]), async (socket) => {
    limit(ctx, socket, "history");
    return { conversations: await people.conversations(socket.data.userId) };
  });

  const read = ackListener(ctx, "read", z.tuple([ctx.schemas.read]), async (socket, [input]) => {
    limit(ctx, socket, "read");
    const { userId } = socket.data;
    const notice = await people.markRead(userId, input);
    // The person's other tabs, on any node, clear their badges.
    socket.to(userKey(userId)).emit("read", notice);
    return {};
  });

  return { conversations, read };
}

/** The `disconnect` listener that records when a person left. */
export function rememberOnDisconnect(ctx: HandlerContext): SharedListener {
  const { people, drain, logger } = ctx;
  return function (this: ChatSocket) {
    // When the server is shutting down, storage is about to close: the connect time stands.
    if (!drain.draining) void remember(people, this.data.userId, this.data.name, logger);
  };
}

/**
 * Records that a person connected, so that messages can be addressed to
 * them later. Waits at most RECORD_WAIT_MS: a slow or absent database must
 * not hold the connection up.
 */
export async function recordConnection(people: PeopleService, userId: string, name: string, logger: Logger): Promise<void> {
  await within(remember(people, userId, name, logger), RECORD_WAIT_MS, undefined);
}

async function remember(people: PeopleService, userId: string, name: string, logger: Logger): Promise<void> {
  try {
    await people.seen(userId, name);
  } catch (err) {
    logger.warn({ err: (err as Error).message, userId }, "could not record a connection");
  }
}

/**
 * The recipient of a message addressed by userId: one of their connected
 * sockets on any node, or — when they are offline — the name they were last
 * seen with and socketId "". Undefined when they never connected.
 */
export async function recipientByUser(
  io: ChatServer,
  people: PeopleService,
  userId: string,
  logger: Logger,
): Promise<User | undefined> {
  const [online] = await fetchSocketsIn(io, userKey(userId), logger);
  if (online) return userOf(online);
  const known = await people.known(userId);
  return known && { userId, name: known.name, socketId: "" };
}
