/**
 * Mongoose schema for attachments' metadata (`attachments`); their bytes are
 * in the GridFS bucket `attachments` (files `attachments.files`, chunks
 * `attachments.chunks`), the file's id being the attachment's id, and
 * `<id>.thumb` its thumbnail's.
 */
import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { SCHEMA_OPTIONS as options } from "../storage/mongo-options.js";

const thumbSchema = new Schema(
  {
    type: { type: String, required: true },
    size: { type: Number, required: true },
    hash: { type: String, required: true },
  },
  { _id: false },
);

export const attachmentSchema = new Schema(
  {
    _id: { type: String, required: true }, // the attachment id
    uploader: { type: String, required: true },
    name: { type: String, required: true },
    type: { type: String, required: true },
    size: { type: Number, required: true },
    width: { type: Number },
    height: { type: Number },
    hash: { type: String, required: true },
    thumb: { type: thumbSchema, default: null },
    // size + the thumbnail's: what the storage gauge adds up.
    storedBytes: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    channel: { type: String, default: null },
    claim: { type: String, default: null },
    claimedAt: { type: Date, default: null },
    // Checked by the sweep: a stored message carries it.
    settled: { type: Boolean, default: false },
  },
  { ...options, collection: "attachments" },
);
// Unused uploads, oldest first, for the sweep (a plain index: FerretDB v1 has no partial ones).
attachmentSchema.index({ claim: 1, createdAt: 1 });
// Taken ones not yet checked against their message, oldest first.
attachmentSchema.index({ settled: 1, claimedAt: 1 });

export type AttachmentDoc = InferSchemaType<typeof attachmentSchema>;

export function attachmentModel(conn: Connection) {
  return conn.model("Attachment", attachmentSchema);
}
