/**
 * People (protocol v1.1): `conversations`, `read`, remembering who connects,
 * and finding a private message's recipient by userId; v1.2: whether each
 * conversation's person is online, and `person` when that changes.
 */
import { z } from "zod";
import type { Logger } from "../logger.js";
import type { ChatMetrics } from "../metrics/chat-metrics.js";
import type { PersonNotice, User } from "../protocol.js";
import type { PeopleService } from "../people/people-service.js";
import { within } from "../within.js";
import { ackListener, limit } from "./ack.js";
import { fetchSocketsIn } from "./cluster.js";
import type { Membership } from "./membership.js";
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

export function peopleHandlers(ctx: HandlerContext, membership: Membership): EventListeners {
  const { people } = ctx;

  const conversations = ackListener(ctx, "conversations", z.tuple([]), async (socket) => {
    limit(ctx, socket, "history");
    const listed = await people.conversations(socket.data.userId);
    return { conversations: listed.map((c) => ({ ...c, online: membership.isOnline(c.user.userId) })) };
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
    if (!drain.draining) void remember(people, this.data.userId, this.data.name, this.data.account, logger);
  };
}

/**
 * Records that a person connected, so that messages can be addressed to
 * them later. Waits at most RECORD_WAIT_MS: a slow or absent database must
 * not hold the connection up.
 */
export async function recordConnection(
  people: PeopleService,
  user: { userId: string; name: string; account?: string | undefined },
  logger: Logger,
): Promise<void> {
  await within(remember(people, user.userId, user.name, user.account, logger), RECORD_WAIT_MS, undefined);
}

async function remember(people: PeopleService, userId: string, name: string, account: string | undefined, logger: Logger): Promise<void> {
  try {
    await people.seen(userId, name, account);
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
  metrics: ChatMetrics,
): Promise<User | undefined> {
  const [online] = await fetchSocketsIn(io, userKey(userId), logger, metrics);
  if (online) return userOf(online);
  const known = await people.known(userId);
  if (!known) return undefined;
  return known.account === undefined ? { userId, name: known.name, socketId: "" } : { userId, name: known.name, account: known.account, socketId: "" };
}

/** How many `person` look-ups of conversation lists run at once: a connection storm must not take storage from joins and sends. */
const PERSON_LOOKUPS = 2;

/**
 * Tells this node's sockets of everyone who has a private conversation with
 * `userId` that they came online or went offline (`person`). Every node
 * learns of every change (membership.ts) and tells its own sockets, so no one
 * is told twice. Look-ups wait in a queue, at most PERSON_LOOKUPS at a time,
 * one per person however often they came and went meanwhile; the state sent
 * is the one that holds once the conversation list has been read, so a quick
 * offline-online pair cannot arrive in the wrong order.
 */
export function personNotifier(ctx: Pick<HandlerContext, "io" | "people" | "logger" | "drain">, membership: () => Membership) {
  const { io, people, logger } = ctx;
  /** userId → the name last seen with, for those waiting. */
  const waiting = new Map<string, string | undefined>();
  let running = 0;

  const tell = async (userId: string, name: string | undefined) => {
    const peers = await people.conversationPeers(userId);
    if (peers.length === 0) return;
    const online = membership().isOnline(userId);
    const shownName = (online ? membership().nameOf(userId) : undefined) ?? name ?? (await people.known(userId))?.name ?? "";
    const notice: PersonNotice = { userId, name: shownName, online };
    io.local.to(peers.map(userKey)).emit("person", notice);
  };

  const work = async () => {
    running++;
    try {
      for (let next = waiting.entries().next(); !next.done; next = waiting.entries().next()) {
        const [userId, name] = next.value;
        waiting.delete(userId);
        try {
          await tell(userId, name);
        } catch (err) {
          logger.warn({ err: (err as Error).message, userId }, "could not tell conversations about a person");
        }
      }
    } finally {
      running--;
    }
  };

  return (userId: string, name: string | undefined): void => {
    // No one on this node to tell, or shutting down (every socket here is leaving; storage closes next).
    if (io.of("/").sockets.size === 0 || ctx.drain.draining) return;
    waiting.set(userId, name ?? waiting.get(userId));
    if (running < PERSON_LOOKUPS) void work();
  };
}
