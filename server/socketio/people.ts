/**
 * People (protocol v1.1): `conversations`, `read`, remembering who connects,
 * and finding a private message's recipient by userId.
 */
import { z } from "zod";
import type { Logger } from "../logger.js";
import type { User } from "../protocol.js";
import type { PeopleService } from "../users/people-service.js";
import { limit, onAck } from "./ack.js";
import { fetchSocketsIn } from "./cluster.js";
import { userKey, userOf, type ChatServer, type HandlerContext } from "./types.js";

/** Longest a new socket's `session` waits for its person to be recorded (storage may be down). */
const RECORD_WAIT_MS = 500;

export function registerPeopleHandlers(ctx: HandlerContext): void {
  const { socket, people } = ctx;
  const { userId } = socket.data;

  onAck(ctx, "conversations", z.tuple([]), async () => {
    limit(ctx, "history");
    return { conversations: await people.conversations(userId) };
  });

  onAck(ctx, "read", z.tuple([ctx.schemas.read]), async ([input]) => {
    limit(ctx, "read");
    const notice = await people.markRead(userId, input);
    // The person's other tabs, on any node, clear their badges.
    socket.to(userKey(userId)).emit("read", notice);
    return {};
  });

  socket.on("disconnect", () => {
    // When the server is shutting down, storage is about to close: the connect time stands.
    if (!ctx.drain.draining) void remember(people, userId, socket.data.name, ctx.logger);
  });
}

/**
 * Records that a person connected, so that messages can be addressed to
 * them later. Waits at most RECORD_WAIT_MS: a slow or absent database must
 * not hold the connection up.
 */
export async function recordConnection(people: PeopleService, userId: string, name: string, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    remember(people, userId, name, logger),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, RECORD_WAIT_MS))),
  ]);
  clearTimeout(timer);
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
