/**
 * Mongoose schemas for people (protocol v1.1): `users`, `conversations`
 * (one summary per person and peer, kept up to date on every private
 * message) and `reads` (one read marker per person and channel).
 */
import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { SCHEMA_OPTIONS as options } from "../storage/mongo-options.js";

export const userSchema = new Schema(
  {
    _id: { type: String, required: true }, // the userId
    name: { type: String, required: true },
    lastSeen: { type: Date, required: true },
    // The username, once this person has claimed one.
    account: { type: String },
  },
  { ...options, collection: "users" },
);

export const conversationSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<owner>:<peer>` (user ids never contain ':')
    owner: { type: String, required: true },
    peer: { type: String, required: true },
    channel: { type: String, required: true },
    lastId: { type: String, required: true },
  },
  { ...options, collection: "conversations" },
);
// A person's conversations, most recent first, without an in-memory sort.
conversationSchema.index({ owner: 1, lastId: -1 });

export const readSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<userId>:<channel>`
    userId: { type: String, required: true },
    channel: { type: String, required: true },
    upTo: { type: String, required: true },
  },
  { ...options, collection: "reads" },
);

export type UserDoc = InferSchemaType<typeof userSchema>;
export type ConversationDoc = InferSchemaType<typeof conversationSchema>;
export type ReadDoc = InferSchemaType<typeof readSchema>;

export function peopleModels(conn: Connection) {
  return {
    User: conn.model("User", userSchema),
    Conversation: conn.model("Conversation", conversationSchema),
    Read: conn.model("Read", readSchema),
  };
}
