/**
 * Mongoose schemas for stored messages and their channels' rev guards. Types are inferred from
 * the schemas; reads use `.lean()` so plain objects go to clients.
 */
import { Schema, type Connection, type InferSchemaType } from "mongoose";
import type { Attachment, MessageKind, ReplyTo, User } from "../protocol.js";
import { SCHEMA_OPTIONS } from "../storage/mongo-options.js";

const userSchema = new Schema(
  {
    userId: { type: String, required: true },
    name: { type: String, required: true },
    // v1.2: the sender's (or recipient's) username, when signed in to an account; absent for guests.
    account: { type: String },
    // "" for a person who was offline when a message was addressed to them (protocol v1.1).
    socketId: {
      type: String,
      required: function (this: { socketId?: unknown }) {
        return typeof this.socketId !== "string";
      },
    },
  },
  { _id: false },
);

const replyToSchema = new Schema(
  {
    id: { type: String, required: true },
    from: { type: userSchema, required: true },
    text: { type: String },
    // Set (with text "") once the quoted message is deleted; absent otherwise.
    deleted: { type: Boolean },
  },
  { _id: false },
);

const attachmentSchema = new Schema(
  {
    id: { type: String, required: true },
    name: { type: String, required: true },
    type: { type: String, required: true },
    size: { type: Number, required: true },
    width: { type: Number },
    height: { type: Number },
  },
  { _id: false },
);

export const messageSchema = new Schema(
  {
    // Our own sortable id (see message-id.ts), not an ObjectId.
    _id: { type: String, required: true },
    channel: { type: String, required: true },
    kind: { type: String, required: true, enum: ["room", "broadcast", "private", "system"] },
    room: { type: String },
    from: { type: userSchema, required: true },
    to: { type: userSchema },
    // Not required: a tombstone's text is "".
    text: { type: String },
    createdAt: { type: Date, required: true },
    clientId: { type: String },
    key: { type: String, required: true },
    mentions: { type: [String], default: undefined },
    // Search terms of the text (search-terms.ts).
    terms: { type: [String], default: undefined },
    // v1.1. Messages stored before revs existed have none: their rev is their id.
    rev: { type: String },
    editedAt: { type: Date },
    deletedAt: { type: Date },
    // emoji -> userIds; a map field so that one reaction is one atomic $addToSet / $pull
    // on "reactions.<emoji>" (FerretDB v1 has no positional operator). Keys keep the
    // order of first use; emptied entries stay and are hidden when read.
    reactions: { type: Map, of: [String], default: undefined },
    replyTo: { type: replyToSchema },
    // v1.2: files sent with the message; a tombstone has none.
    attachments: { type: [attachmentSchema], default: undefined },
  },
  { ...SCHEMA_OPTIONS, collection: "messages" },
);
// Newest page of any channel (a room, a private conversation, broadcasts), older than an id.
messageSchema.index({ channel: 1, _id: -1 });
// Idempotency: one message per (sender, key), enforced by the database under concurrency.
messageSchema.index({ "from.userId": 1, key: 1 }, { unique: true });
// Search: a multikey index over the terms, newest first within a term (FerretDB v1 has no text index).
messageSchema.index({ terms: 1, _id: -1 });
// The change feed: a channel's messages with rev > x, in rev order. `_id` last so that
// messages stored before revs existed (no rev: they count as rev = id) page in id order.
messageSchema.index({ channel: 1, rev: 1, _id: 1 });
// The replies to a message, whose quotes its deletion withdraws. A plain index: FerretDB v1
// has no partial ones, so every message without a quote has an entry (null) too.
messageSchema.index({ "replyTo.id": 1 });

/** Per channel, the greatest rev handed out: the guard that keeps a channel's revs increasing across nodes. */
export const channelRevSchema = new Schema(
  {
    _id: { type: String, required: true },
    rev: { type: String, required: true },
  },
  { ...SCHEMA_OPTIONS, collection: "channel_revs" },
);

export type MessageDoc = InferSchemaType<typeof messageSchema>;
/** A message document as `.lean()` returns it: the reactions map is a plain object. */
export type LeanMessage = Omit<MessageDoc, "reactions" | "attachments"> & {
  reactions?: Record<string, string[]> | null;
  attachments?: { id: string; name: string; type: string; size: number; width?: number | null; height?: number | null }[] | null;
};

/**
 * A new message's document exactly as the store writes it with the driver's
 * `insertOne` (no mongoose casting, validation or hooks on that path): built
 * field by field from typed values, so that nothing but the schema's fields is
 * stored, and with absent or empty optional fields left out, as mongoose would
 * leave them out (`toChatMessage` reads them back the same).
 */
export type NewMessageDocument = {
  _id: string;
  channel: string;
  kind: MessageKind;
  room?: string;
  from: User;
  to?: User;
  text: string;
  createdAt: Date;
  clientId?: string;
  key: string;
  mentions?: string[];
  terms?: string[];
  rev: string;
  replyTo?: ReplyTo;
  attachments?: Attachment[];
};

/** Only a person's stored fields, whatever else the object carries. */
const storedUser = (u: User): User =>
  u.account !== undefined
    ? { userId: u.userId, name: u.name, account: u.account, socketId: u.socketId }
    : { userId: u.userId, name: u.name, socketId: u.socketId };

const storedAttachment = (a: Attachment): Attachment => ({
  id: a.id,
  name: a.name,
  type: a.type,
  size: a.size,
  ...(a.width !== undefined ? { width: a.width } : {}),
  ...(a.height !== undefined ? { height: a.height } : {}),
});

export function newMessageDocument(
  m: {
    id: string;
    channel: string;
    kind: MessageKind;
    room?: string | undefined;
    from: User;
    to?: User | undefined;
    text: string;
    createdAt: string;
    clientId?: string | undefined;
    key: string;
    mentions?: string[] | undefined;
    replyTo?: ReplyTo | undefined;
    attachments?: Attachment[] | undefined;
  },
  terms: string[],
  rev: string,
): NewMessageDocument {
  const doc: NewMessageDocument = {
    _id: m.id,
    channel: m.channel,
    kind: m.kind,
    from: storedUser(m.from),
    text: m.text,
    createdAt: new Date(m.createdAt),
    key: m.key,
    rev,
  };
  if (Number.isNaN(doc.createdAt.getTime())) throw new Error(`message ${m.id}: createdAt is not a date`);
  if (m.room !== undefined) doc.room = m.room;
  if (m.to !== undefined) doc.to = storedUser(m.to);
  if (m.clientId !== undefined) doc.clientId = m.clientId;
  if (m.mentions?.length) doc.mentions = [...m.mentions];
  if (terms.length > 0) doc.terms = terms;
  if (m.replyTo !== undefined) {
    const { id, from, text, deleted } = m.replyTo;
    doc.replyTo = { id, from: storedUser(from), text, ...(deleted === true ? { deleted } : {}) };
  }
  if (m.attachments?.length) doc.attachments = m.attachments.map(storedAttachment);
  return doc;
}

export function models(conn: Connection) {
  return {
    Message: conn.model("Message", messageSchema),
    ChannelRev: conn.model("ChannelRev", channelRevSchema),
  };
}
