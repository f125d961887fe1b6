/** The MongoDB RoomStore: one document per created room, created by an upsert (idempotent under races). */
import type { Connection } from "mongoose";
import { upsertRetrying } from "../storage/mongo-options.js";
import type { RoomStore } from "./room-store.js";
import { roomModel } from "./room.model.js";

export class MongoRoomStore implements RoomStore {
  readonly model: ReturnType<typeof roomModel>;

  /** @param ready throws while the storage cannot serve */
  constructor(
    conn: Connection,
    private readonly ready: () => void,
  ) {
    this.model = roomModel(conn);
  }

  async add(name: string): Promise<void> {
    this.ready();
    // Two first joins of a new room race to insert it.
    await upsertRetrying(() =>
      this.model.updateOne({ _id: name }, { $setOnInsert: { createdAt: new Date() } }, { upsert: true }).exec(),
    );
  }

  async list(): Promise<string[]> {
    this.ready();
    const rooms = await this.model.find({}, { _id: 1 }).sort({ createdAt: 1 }).lean<{ _id: string }[]>().exec();
    return rooms.map((r) => r._id);
  }
}
