/**
 * Mongoose schemas for accounts: `accounts` (keyed by userId, a unique
 * username), `sessions`, `passkeys` (keyed by credential id) and
 * `authchallenges` (WebAuthn challenges, taken once; expired ones are
 * removed by the store, as FerretDB v1 has no TTL indexes).
 */
import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { SCHEMA_OPTIONS as options } from "../storage/mongo-options.js";

export const accountSchema = new Schema(
  {
    _id: { type: String, required: true }, // the userId
    username: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    passwordHash: { type: String, default: null },
    createdAt: { type: Date, required: true },
  },
  { ...options, collection: "accounts" },
);
accountSchema.index({ username: 1 }, { unique: true });
accountSchema.index({ nameKey: 1 });

export const sessionSchema = new Schema(
  {
    _id: { type: String, required: true }, // the session id
    userId: { type: String, required: true },
    secretHash: { type: String, required: true },
    device: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastSeen: { type: Date, required: true },
  },
  { ...options, collection: "sessions" },
);
sessionSchema.index({ userId: 1, lastSeen: -1 });

export const passkeySchema = new Schema(
  {
    _id: { type: String, required: true }, // the credential id, base64url
    userId: { type: String, required: true },
    publicKey: { type: Buffer, required: true },
    counter: { type: Number, required: true },
    transports: { type: [String], default: [] },
    label: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastUsed: { type: Date, default: null },
  },
  { ...options, collection: "passkeys" },
);
passkeySchema.index({ userId: 1, createdAt: 1 });

export const challengeSchema = new Schema(
  {
    _id: { type: String, required: true },
    body: { type: String, required: true },
    expiresAt: { type: Number, required: true },
  },
  { ...options, collection: "authchallenges" },
);
challengeSchema.index({ expiresAt: 1 });

export type AccountDoc = InferSchemaType<typeof accountSchema>;
export type SessionDoc = InferSchemaType<typeof sessionSchema>;
export type PasskeyDoc = InferSchemaType<typeof passkeySchema>;
export type ChallengeDoc = InferSchemaType<typeof challengeSchema>;

export function accountModels(conn: Connection) {
  return {
    Account: conn.model("Account", accountSchema),
    Session: conn.model("Session", sessionSchema),
    Passkey: conn.model("Passkey", passkeySchema),
    Challenge: conn.model("Challenge", challengeSchema),
  };
}
