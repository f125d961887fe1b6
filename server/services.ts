/**
 * The services of one server, built on one Storage around one storage
 * concurrency bound. Nothing here knows Socket.IO: what a service sends to
 * people goes through the `Delivery` it is given, which the socket layer
 * provides (and a test can provide too, to use the services alone).
 */
import { AccountService, FAILURE_WINDOW_MS, SIGNUP_WINDOW_MS, type SocketsToEnd } from "./accounts/account-service.js";
import type { AuthMethod, AuthResult } from "./accounts/auth-outcomes.js";
import { MemoryFailureCounter, type FailureCounter } from "./accounts/failure-counter.js";
import { PasskeyService } from "./accounts/passkey-service.js";
import type { AttachmentService } from "./attachments/attachment-service.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { ChangeService } from "./messages/change-service.js";
import { createIdGenerator } from "./messages/message-id.js";
import { MessageService } from "./messages/message-service.js";
import { SearchService } from "./messages/search-service.js";
import { PeopleService } from "./people/people-service.js";
import type { ChatMessage } from "./protocol.js";
import { RoomService } from "./rooms/room-service.js";
import { Limiter } from "./storage/limiter.js";
import type { Storage } from "./storage/storage.js";

/** How stored messages reach the people who may see them. */
export type Delivery = {
  /** A new message, to its room, its two people, or everyone. */
  message(message: ChatMessage): Promise<void>;
  /** The new state of a changed message, to the same audience. */
  updated(message: ChatMessage): Promise<void>;
};

export type Services = {
  messages: MessageService;
  changes: ChangeService;
  search: SearchService;
  rooms: RoomService;
  people: PeopleService;
};

/** The one bound on storage calls at once that every service of a server shares. */
export function createStorageLimiter(config: Pick<Config, "storage">): Limiter {
  return new Limiter(config.storage.maxConcurrent, config.storage.maxWaitMs);
}

export function createServices(
  storage: Storage,
  deps: {
    config: Pick<Config, "storage" | "maxRooms">;
    logger: Logger;
    delivery: Delivery;
    limiter?: Limiter;
    /** Messages carry attachments only when given. */
    attachments?: AttachmentService;
  },
): Services {
  const { config, logger, delivery, attachments } = deps;
  const limiter = deps.limiter ?? createStorageLimiter(config);
  const rooms = new RoomService({ store: storage.rooms, limiter, maxRooms: config.maxRooms });
  const roomExists = (name: string) => rooms.exists(name);
  const people = new PeopleService({ store: storage.people, messages: storage.messages, limiter, roomExists });
  const messages = new MessageService({
    store: storage.messages,
    ids: createIdGenerator(),
    logger,
    deliver: (message) => delivery.message(message),
    noteConversation: (a, b, channel, id) => people.noteConversation(a, b, channel, id),
    roomExists,
    limiter,
    attachments,
  });
  const changes = new ChangeService({
    store: storage.messages,
    limiter,
    logger,
    deliverUpdate: (m) => delivery.updated(m),
    removeAttachments: attachments && ((ids) => attachments.remove(ids)),
  });
  const search = new SearchService({
    store: storage.messages,
    limiter,
    rooms: () => rooms.list(),
    roomExists,
    conversationChannels: (userId) => people.conversationChannels(userId),
  });
  return { messages, changes, search, rooms, people };
}

export type AccountServices = { accounts: AccountService; passkeys: PasskeyService };

/**
 * Accounts and passkeys, on the same storage and bound as the rest. Failure
 * counts are shared through `counters` (Redis) when given, else kept here.
 */
export function createAccountServices(
  storage: Storage,
  deps: {
    limiter: Limiter;
    counters?: (windowMs: number) => FailureCounter;
    endSockets: (which: SocketsToEnd) => void;
    count: (method: AuthMethod, result: AuthResult) => void;
  },
): AccountServices {
  const counter = deps.counters ?? ((windowMs: number) => new MemoryFailureCounter(windowMs));
  const accounts = new AccountService({
    store: storage.accounts,
    people: storage.people,
    limiter: deps.limiter,
    failures: counter(FAILURE_WINDOW_MS),
    signups: counter(SIGNUP_WINDOW_MS),
    endSockets: deps.endSockets,
    count: deps.count,
  });
  return { accounts, passkeys: new PasskeyService(accounts) };
}
