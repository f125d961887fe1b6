/** The mongoose schema of created rooms (the default rooms have no document). */
import { Schema, type Connection } from "mongoose";
import { SCHEMA_OPTIONS } from "../storage/mongo-options.js";

export const roomSchema = new Schema(
  {
    _id: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { ...SCHEMA_OPTIONS, collection: "rooms" },
);
roomSchema.index({ createdAt: 1 });

export const roomModel = (conn: Connection) => conn.model("Room", roomSchema);
