/**
 * The message store: what the message, change and search services need of
 * storage. Two implementations, sqlite-message-store.ts (the embedded
 * default) and mongo-message-store.ts; both pass test/helpers/store-contract.ts.
 * A store knows nothing of Socket.IO; its backend's Storage opens and closes it.
 */
import type { Attachment, ChatMessage, Page, ReplyTo, User } from "../protocol.js";
import { visibleReactions, type ChangeResult, type MessageChange } from "./message-change.js";

/** A message as written: the client-facing fields plus where it belongs. */
export type StoredMessage = ChatMessage & {
  channel: string;
  /** Idempotency key, unique per sender: the client's clientId or one the server made. */
  key: string;
};

/** A message to insert: the store gives it its first rev. */
export type NewMessage = Omit<StoredMessage, "rev" | "editedAt" | "deletedAt" | "reactions">;

/** The messages of a channel whose rev is greater than `after`, in rev order. */
export type ChangesQuery = { channel: string; after: string; limit: number };

export type InsertResult = { message: ChatMessage; created: boolean };

/** Either the newest messages (optionally older than `before`) or the oldest newer than `after`. */
export type PageQuery = {
  channel: string;
  before?: string | undefined;
  after?: string | undefined;
  limit: number;
};

/** A search over stored messages; see server/messages/search.ts. */
export type SearchQuery = {
  /** Every one must be the start of one of a message's terms (searchTerms); at least one. */
  terms: string[];
  /** Every one must occur in a message's normalised text (see SearchMatcher.phrases); at least one. */
  phrases: string[];
  /** Only messages of these channels. */
  channels: string[];
  before?: string | undefined;
  limit: number;
  /** Confirms a candidate against its text. */
  matches: (text: string) => boolean;
};

export interface MessageStore {
  /**
   * Stores a message durably unless the sender already stored one with the
   * same key; then it returns that original and `created: false`.
   */
  insert(message: NewMessage): Promise<InsertResult>;
  /** The message a sender stored under an idempotency key, if any. */
  findByKey(userId: string, key: string): Promise<ChatMessage | undefined>;
  /**
   * Oldest first, at most `limit` messages of a channel: the newest ones strictly
   * older than `before` (or the newest of all), or — with `after` — the oldest ones
   * strictly newer than `after`. `hasMore` says whether more lie further in the
   * same direction.
   */
  page(query: PageQuery): Promise<Page>;
  /** One message with its channel, or undefined. */
  get(id: string): Promise<StoredMessage | undefined>;
  /**
   * Applies one change to a message atomically and gives it a new rev,
   * greater than every earlier rev of its channel. `allow` sees the current
   * state first and throws to refuse. Resolves undefined when there is no
   * such message, `changed: false` when the change would change nothing.
   * Every change of a message's text goes through here.
   */
  change(id: string, change: MessageChange, allow: (current: StoredMessage) => void): Promise<ChangeResult | undefined>;
  /**
   * Withdraws the quote of message `id` from every reply to it: each keeps
   * `replyTo.id` and `replyTo.from`, its `replyTo.text` becomes "" and
   * `replyTo.deleted` true, with a new rev. Resolves with the replies changed
   * now; replies already cleared are left alone, so calling it again (after
   * a crash half-way, say) finishes the work and changes nothing twice.
   */
  clearQuotesOf(id: string): Promise<ChatMessage[]>;
  /** The change feed: at most `limit` messages with rev > `after`, in rev order; `hasMore` when more follow. */
  changes(query: ChangesQuery): Promise<Page>;
  /** Newest first: messages matching a search that are not deleted; `hasMore` when older ones match too. */
  search(query: SearchQuery): Promise<Page>;
  /**
   * How many messages of `channel` have an id greater than `after`, were not
   * sent by `reader` and are not deleted, counting at most `cap` of them.
   */
  countUnread(channel: string, after: string, reader: string, cap: number): Promise<number>;
}

/** The id every message id sorts after: a conversation never read counts from here. */
export const BEFORE_ALL = "0".repeat(24);

/**
 * A deep copy of a stored message as clients see it: no storage fields, no
 * empty reactions. Written out field by field, without spreads, so that
 * store.test.ts fails when a field of ChatMessage is not copied.
 */
export function toChatMessage(m: StoredMessage): ChatMessage {
  const out: ChatMessage = { id: m.id, kind: m.kind, from: copyUser(m.from), text: m.text, createdAt: m.createdAt, rev: m.rev };
  if (m.room !== undefined) out.room = m.room;
  if (m.to !== undefined) out.to = copyUser(m.to);
  if (m.clientId !== undefined) out.clientId = m.clientId;
  if (m.mentions !== undefined) out.mentions = [...m.mentions];
  if (m.editedAt !== undefined) out.editedAt = m.editedAt;
  if (m.deletedAt !== undefined) out.deletedAt = m.deletedAt;
  const { reactions } = visibleReactions(m.reactions);
  if (reactions) out.reactions = reactions;
  if (m.replyTo !== undefined) out.replyTo = withdrawnOrNot(m.replyTo);
  if (m.attachments !== undefined) out.attachments = m.attachments.map(copyAttachment);
  return out;
}

/** A copy of an attachment's description; width and height only for images. */
function copyAttachment(a: Attachment): Attachment {
  const out: Attachment = { id: a.id, name: a.name, type: a.type, size: a.size };
  if (a.width !== undefined) out.width = a.width;
  if (a.height !== undefined) out.height = a.height;
  return out;
}

/** A deep copy of a stored message, with its storage fields and emptied reactions. */
export function copyStored(m: StoredMessage): StoredMessage {
  const out = toChatMessage(m) as StoredMessage;
  out.channel = m.channel;
  out.key = m.key;
  if (m.reactions !== undefined) out.reactions = m.reactions.map((r) => ({ emoji: r.emoji, userIds: [...r.userIds] }));
  return out;
}

/** A new message with its first rev, copied so that the caller's object is not kept. */
export function firstVersion(message: NewMessage, rev: string): StoredMessage {
  // NewMessage is StoredMessage without rev and the fields that changes add; rev is set right away.
  const out = copyStored(message as StoredMessage);
  out.rev = rev;
  return out;
}

/** A copy of a quote; `deleted` only when true. */
function withdrawnOrNot(q: ReplyTo): ReplyTo {
  const out: ReplyTo = { id: q.id, from: copyUser(q.from), text: q.text };
  if (q.deleted === true) out.deleted = true;
  return out;
}

/** A copy of a person; `account` (v1.2) only for someone signed in to one. */
const copyUser = (u: User): User =>
  u.account === undefined
    ? { userId: u.userId, name: u.name, socketId: u.socketId }
    : { userId: u.userId, name: u.name, account: u.account, socketId: u.socketId };
