/**
 * The message service: validate → store → fan out. It decides which channel
 * a message belongs to and who may read a channel; it knows nothing of
 * sockets — delivery goes through the `deliver` function it is given.
 */
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { DEFAULT_ROOMS, type ChatMessage, type HistoryInput, type Page, type User } from "../protocol.js";
import { BROADCAST_CHANNEL, directChannel, roomChannel } from "./channel.js";
import type { IdGenerator } from "./message-id.js";
import type { MessageStore, StoredMessage } from "./store.js";

export type Draft =
  | { kind: "room"; from: User; room: string; text: string; clientId?: string | undefined }
  | { kind: "broadcast"; from: User; text: string; clientId?: string | undefined }
  | { kind: "private"; from: User; to: User; text: string; clientId?: string | undefined };

export type SendResult = { message: ChatMessage; created: boolean };

export type MessageServiceDeps = {
  store: MessageStore;
  ids: IdGenerator;
  logger: Logger;
  /** Called once for every newly stored message; never for an idempotent repeat. */
  deliver: (message: ChatMessage) => void;
};

export class MessageService {
  private readonly knownRooms = new Set<string>(DEFAULT_ROOMS);

  constructor(private readonly deps: MessageServiceDeps) {}

  /**
   * Stores a message and delivers it. Resolves only after the store has
   * written it durably; a repeat of a (sender, clientId) pair resolves with
   * the original message and delivers nothing.
   */
  async send(draft: Draft): Promise<SendResult> {
    const id = this.deps.ids();
    const channel =
      draft.kind === "room"
        ? roomChannel(draft.room)
        : draft.kind === "broadcast"
          ? BROADCAST_CHANNEL
          : directChannel(draft.from.userId, draft.to.userId);
    const stored: StoredMessage = {
      id,
      kind: draft.kind,
      ...(draft.kind === "room" ? { room: draft.room } : {}),
      from: draft.from,
      ...(draft.kind === "private" ? { to: draft.to } : {}),
      text: draft.text,
      createdAt: new Date().toISOString(),
      ...(draft.clientId !== undefined ? { clientId: draft.clientId } : {}),
      channel,
      key: draft.clientId ?? `srv-${id}`,
    };
    const result = await this.storage(() => this.deps.store.insert(stored));
    if (result.created) this.deps.deliver(result.message);
    return result;
  }

  /**
   * A page of history the viewer may read: a room, the viewer's own private
   * conversation with another user, or broadcasts.
   */
  async history(viewerId: string, query: HistoryInput): Promise<Page> {
    let channel: string;
    if ("room" in query) {
      if (!(await this.roomExists(query.room))) throw new AppError("NOT_FOUND", `no room named ${query.room}`);
      channel = roomChannel(query.room);
    } else if ("with" in query) {
      channel = directChannel(viewerId, query.with);
    } else {
      channel = BROADCAST_CHANNEL;
    }
    return this.storage(() => this.deps.store.page({ channel, before: query.before, limit: query.limit }));
  }

  /** Creates a room if it does not exist yet. */
  async ensureRoom(name: string): Promise<void> {
    if (this.knownRooms.has(name)) return;
    await this.storage(() => this.deps.store.addRoom(name));
    this.knownRooms.add(name);
  }

  /** The default rooms first, then every created room. */
  async listRooms(): Promise<string[]> {
    const created = await this.storage(() => this.deps.store.listRooms());
    for (const name of created) this.knownRooms.add(name);
    return [...new Set([...DEFAULT_ROOMS, ...created])];
  }

  private async roomExists(name: string): Promise<boolean> {
    return this.knownRooms.has(name) || (await this.listRooms()).includes(name);
  }

  /** Runs a store call; any storage failure becomes UNAVAILABLE. */
  private async storage<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError("UNAVAILABLE", "message storage is unavailable, try again", true, { cause: err });
    }
  }
}
