/**
 * The message service: validate → store → fan out. It decides which channel
 * a message belongs to and asks channels/access.ts who may read one; it
 * knows nothing of sockets — delivery goes through the `deliver` function
 * it is given.
 */
import { readableChannel } from "../channels/access.js";
import { BROADCAST_CHANNEL, directChannel, roomChannel } from "../channels/channel.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { randomBytes } from "node:crypto";
import type { Attachment, AroundPage, ChatMessage, HistoryInput, Page, ReplyTo, User } from "../protocol.js";
import type { Limiter } from "../storage/limiter.js";
import { storageCall } from "../storage/storage-call.js";
import { quoteOf } from "./message-change.js";
import type { IdGenerator } from "./message-id.js";
import { toChatMessage, type MessageStore, type NewMessage } from "./message-store.js";

/**
 * `replyTo`: the id of a message of the same channel that this one answers;
 * `mentions` (v1.1): userIds, already validated and deduplicated.
 */
type DraftCommon = {
  from: User;
  text: string;
  clientId?: string | undefined;
  replyTo?: string | undefined;
  mentions?: string[] | undefined;
  /** v1.2: ids of the sender's unused uploads, validated (1-10, distinct). */
  attachments?: string[] | undefined;
};
export type Draft =
  | ({ kind: "room"; room: string } & DraftCommon)
  | ({ kind: "broadcast" } & DraftCommon)
  | ({ kind: "private"; to: User } & DraftCommon);

export type SendResult = { message: ChatMessage; created: boolean };

export type MessageServiceDeps = {
  store: MessageStore;
  ids: IdGenerator;
  logger: Logger;
  /**
   * Fans a stored message out. Called once per message by this process: for
   * a new message, or for a repeat whose original this process never
   * delivered (it was stored before a crash, or its write outlived a
   * storage error) — receivers drop duplicates by id.
   */
  deliver: (message: ChatMessage) => void | Promise<void>;
  /**
   * Records a stored private message in both people's conversation lists
   * (PeopleService.noteConversation). Idempotent: called again on a retry.
   */
  noteConversation: (a: string, b: string, channel: string, id: string) => Promise<void>;
  /** Whether a chat room exists (RoomService.exists). */
  roomExists: (name: string) => Promise<boolean>;
  /** The storage concurrency bound, shared by every service. */
  limiter: Limiter;
  /** Takes uploads for a message (AttachmentService); without it a message with attachments is NOT_FOUND. */
  attachments?: AttachmentClaims | undefined;
};

/** What sending needs of the attachments domain. */
export type AttachmentClaims = {
  /** All of `ids` for one message, or NOT_FOUND: the sender's uploads that no message uses (or that `key` took before). */
  claim(sender: string, ids: readonly string[], key: string, channel: string): Promise<Attachment[]>;
  /** Gives back uploads taken under `key`. */
  release(ids: readonly string[], key: string): Promise<void>;
};

/** How many recently delivered ids to remember for the rule above. */
const DELIVERED_MEMORY = 100_000;

export class MessageService {
  private readonly delivered = new Set<string>();

  constructor(private readonly deps: MessageServiceDeps) {}

  /**
   * Stores a message and delivers it. Resolves only after the store has
   * written it durably; a repeat of a (sender, clientId) pair resolves with
   * the original message and stores nothing new.
   */
  async send(draft: Draft): Promise<SendResult> {
    const channel =
      draft.kind === "room"
        ? roomChannel(draft.room)
        : draft.kind === "broadcast"
          ? BROADCAST_CHANNEL
          : directChannel(draft.from.userId, draft.to.userId);
    let replyTo: ReplyTo | undefined;
    if (draft.replyTo !== undefined) {
      const quoted = await this.quote(channel, draft.replyTo);
      if (!quoted) {
        // A retry whose quoted message went away meanwhile still gets its original.
        const original = await this.repeatOf(draft.from, draft.clientId);
        if (original) return { message: original, created: false };
        throw new AppError("NOT_FOUND", "the message replied to is not in this conversation");
      }
      replyTo = quoted;
    }
    let attachments: Attachment[] | undefined;
    let claimKey = "";
    if (draft.attachments?.length) {
      // A retry with the same clientId takes the same uploads again (see AttachmentStore.claim).
      claimKey = draft.clientId ?? `srv-${randomBytes(9).toString("base64url")}`;
      try {
        if (!this.deps.attachments) throw new AppError("NOT_FOUND", "attachments are not available");
        attachments = await this.deps.attachments.claim(draft.from.userId, draft.attachments, claimKey, channel);
      } catch (err) {
        // The original of a retry already carries them (or they went with its deletion).
        const original = err instanceof AppError && err.code === "NOT_FOUND" ? await this.repeatOf(draft.from, draft.clientId) : undefined;
        if (original) return { message: original, created: false };
        throw err;
      }
    }
    let result: SendResult;
    try {
      result = await this.insert(draft, channel, replyTo, attachments, claimKey);
    } catch (err) {
      if (attachments) await this.releaseQuietly(draft.attachments!, claimKey);
      throw err;
    }
    if (attachments && !result.created) {
      // A retry whose original carries other uploads: the ones taken now stay unused.
      const kept = new Set(result.message.attachments?.map((a) => a.id));
      const extra = draft.attachments!.filter((id) => !kept.has(id));
      if (extra.length > 0) await this.releaseQuietly(extra, claimKey);
    }
    return this.afterInsert(result, replyTo);
  }

  private async releaseQuietly(ids: readonly string[], key: string): Promise<void> {
    try {
      await this.deps.attachments?.release(ids, key);
    } catch (err) {
      // They stay taken by no message; the page can upload again.
      this.deps.logger.warn({ err, ids }, "attachments: could not release uploads of a failed send");
    }
  }

  /** `claimKey`: the key the attachments were taken under, which the message is stored under too (see AttachmentService.sweep). */
  private insert(
    draft: Draft,
    channel: string,
    replyTo: ReplyTo | undefined,
    attachments: Attachment[] | undefined,
    claimKey: string,
  ): Promise<SendResult> {
    return this.storage(() => {
      // The id is made once a storage slot is ours, right before the write, so that
      // ids and the order writes become visible stay close (catch-up relies on it).
      const id = this.deps.ids();
      const stored: NewMessage = {
        id,
        kind: draft.kind,
        ...(draft.kind === "room" ? { room: draft.room } : {}),
        from: draft.from,
        ...(draft.kind === "private" ? { to: draft.to } : {}),
        text: draft.text,
        createdAt: new Date().toISOString(),
        ...(draft.clientId !== undefined ? { clientId: draft.clientId } : {}),
        ...(draft.mentions?.length ? { mentions: draft.mentions } : {}),
        ...(replyTo ? { replyTo } : {}),
        ...(attachments ? { attachments } : {}),
        channel,
        key: draft.clientId ?? (claimKey || `srv-${id}`),
      };
      return this.deps.store.insert(stored);
    });
  }

  private async afterInsert(result: SendResult, replyTo: ReplyTo | undefined): Promise<SendResult> {
    if (replyTo && result.created) result.message = await this.quoteStillStands(result.message, replyTo.id);
    const { kind, from, to, id } = result.message;
    if (kind === "private" && to) {
      // Also on a repeat: a retry completes a summary that an earlier failure left behind.
      const [a, b] = [from.userId, to.userId];
      await this.deps.noteConversation(a, b, directChannel(a, b), id);
    }
    await this.deliverOnce(result.message);
    return result;
  }

  /** The snapshot of message `id` for a reply in `channel`; undefined unless it is a live message of that channel. */
  private async quote(channel: string, id: string): Promise<ReplyTo | undefined> {
    const quoted = await this.storage(() => this.deps.store.get(id));
    if (!quoted || quoted.channel !== channel || quoted.deletedAt !== undefined) return undefined;
    return quoteOf(quoted);
  }

  /**
   * A new reply whose quoted message was deleted while it was being stored
   * (after `quote` read it, before the deletion withdrew the quotes of its
   * replies) would keep the deleted text: withdraws it now, and answers the
   * reply as it then stands.
   */
  private async quoteStillStands(reply: ChatMessage, quotedId: string): Promise<ChatMessage> {
    const quoted = await this.storage(() => this.deps.store.get(quotedId));
    if (quoted?.deletedAt === undefined) return reply;
    await this.storage(() => this.deps.store.clearQuotesOf(quotedId));
    const now = await this.storage(() => this.deps.store.get(reply.id));
    return now ? toChatMessage(now) : reply;
  }

  /**
   * The message `from` already stored under `clientId`, if any: a retry must
   * be acked with it even when it could not be sent again now (the sender left
   * the room, the recipient's socket is gone).
   */
  async repeatOf(from: User, clientId: string | undefined): Promise<ChatMessage | undefined> {
    if (clientId === undefined) return undefined;
    const original = await this.storage(() => this.deps.store.findByKey(from.userId, clientId));
    if (original) await this.deliverOnce(original);
    return original;
  }

  /** Fans out (awaited, so the ack follows it) unless this process already did. */
  private async deliverOnce(message: ChatMessage): Promise<void> {
    if (this.delivered.has(message.id)) return;
    this.delivered.add(message.id);
    if (this.delivered.size > DELIVERED_MEMORY) this.delivered.delete(this.delivered.values().next().value!);
    try {
      await this.deps.deliver(message);
    } catch (err) {
      // Stored is what the ack promises; receivers that missed it catch up on reconnect.
      this.deps.logger.warn({ err, id: message.id }, "fan-out failed");
    }
  }

  /**
   * A page of history the viewer may read: a room, the viewer's own private
   * conversation with another user, or broadcasts. With `changedAfter`: the
   * change feed of that channel (see MessageStore.changes). With `around`:
   * that message and the ones either side of it (see `around`).
   */
  async history(viewerId: string, query: HistoryInput & { around?: undefined }): Promise<Page>;
  async history(viewerId: string, query: HistoryInput): Promise<Page | AroundPage>;
  async history(viewerId: string, query: HistoryInput): Promise<Page | AroundPage> {
    const { changedAfter, limit, before, after, around, ...ref } = query;
    const channel = await readableChannel(viewerId, ref, this.deps.roomExists);
    if (changedAfter !== undefined) return this.storage(() => this.deps.store.changes({ channel, after: changedAfter, limit }));
    if (around !== undefined) return this.around(channel, around, limit);
    return this.storage(() => this.deps.store.page({ channel, before, after, limit }));
  }

  /**
   * Oldest first: message `id` of `channel` (its tombstone when deleted), up
   * to ⌊(limit − 1) / 2⌋ older messages and up to the rest newer. Near either
   * end fewer come back: the other side is not filled up. NOT_FOUND when the
   * message is not in that channel — which is how another pair's private
   * message stays out of reach, as `channel` is always one the viewer may read.
   */
  private async around(channel: string, id: string, limit: number): Promise<AroundPage> {
    const { store } = this.deps;
    const message = await this.storage(() => store.get(id));
    if (!message || message.channel !== channel) throw new AppError("NOT_FOUND", "no such message in this conversation");
    const olderWanted = Math.floor((limit - 1) / 2);
    const newerWanted = limit - 1 - olderWanted;
    // A side that wants nothing still asks for one message, to tell whether there is any.
    const [older, newer] = await Promise.all([
      this.storage(() => store.page({ channel, before: id, limit: Math.max(olderWanted, 1) })),
      this.storage(() => store.page({ channel, after: id, limit: Math.max(newerWanted, 1) })),
    ]);
    const side = (page: Page, wanted: number) =>
      wanted === 0 ? { messages: [], more: page.messages.length > 0 } : { messages: page.messages, more: page.hasMore };
    const before = side(older, olderWanted);
    const after = side(newer, newerWanted);
    return {
      messages: [...before.messages, toChatMessage(message), ...after.messages],
      hasOlder: before.more,
      hasNewer: after.more,
    };
  }

  /** Runs a store call within the concurrency bound; any storage failure becomes UNAVAILABLE. */
  private storage<T>(call: () => Promise<T>): Promise<T> {
    return storageCall(this.deps.limiter, call);
  }
}
