/**
 * The MongoDB PeopleStore. Every write is one atomic update: `$max` keeps
 * read markers and conversation summaries from moving backwards however
 * writes interleave, and upserts make retries harmless (FerretDB v1 has no
 * transactions, and none is needed). FerretDB v1 applies an update as a read
 * and a write without isolation, so concurrent `$max`es on one document can
 * lose the greatest: writes to one document run one at a time in this
 * process (as the message store's changes do), which makes one node exact
 * there; MongoDB is exact across nodes.
 */
import mongoose, { type Connection } from "mongoose";
import { KeyedQueue } from "../storage/keyed-queue.js";
import { upsertRetrying } from "../storage/mongo-options.js";
import { peopleModels, type ConversationDoc, type ReadDoc, type UserDoc } from "./people.model.js";
import type { ConversationRef, KnownUser, PeopleStore } from "./people-store.js";

export class MongoPeopleStore implements PeopleStore {
  private readonly m: ReturnType<typeof peopleModels>;
  /** Writes to one document, one at a time (see above). */
  private readonly queue = new KeyedQueue();

  /** @param ready throws while the storage cannot serve */
  constructor(
    conn: Connection,
    private readonly ready: () => void,
  ) {
    this.m = peopleModels(conn);
  }

  async ensureIndexes(): Promise<void> {
    await this.m.User.createIndexes();
    await this.m.Conversation.createIndexes();
    await this.m.Read.createIndexes();
  }

  async upsertUser(userId: string, name: string, seenAt: Date, account?: string): Promise<void> {
    this.ready();
    await this.queue.run(`user:${userId}`, () =>
      this.m.User.updateOne(
        { _id: userId },
        { $set: account === undefined ? { name } : { name, account }, $max: { lastSeen: seenAt } },
        { upsert: true },
      ).exec(),
    );
  }

  async findUsers(userIds: readonly string[]): Promise<KnownUser[]> {
    this.ready();
    const docs = await this.m.User.find({ _id: mongoose.trusted({ $in: [...userIds] }) })
      .lean<UserDoc[]>()
      .exec();
    return docs.map((d): KnownUser => {
      const user: KnownUser = { userId: d._id, name: d.name, lastSeen: d.lastSeen.toISOString() };
      if (typeof d.account === "string") user.account = d.account;
      return user;
    });
  }

  async noteConversation(a: string, b: string, channel: string, id: string): Promise<void> {
    this.ready();
    await Promise.all(
      [
        [a, b],
        [b, a],
      ].map(([owner, peer]) =>
        this.queue.run(`conversation:${owner}:${peer}`, () =>
          upsertRetrying(() =>
            this.m.Conversation.updateOne(
              { _id: `${owner}:${peer}` },
              { $max: { lastId: id }, $setOnInsert: { owner, peer, channel } },
              { upsert: true },
            ).exec(),
          ),
        ),
      ),
    );
  }

  async conversations(userId: string, limit: number): Promise<ConversationRef[]> {
    this.ready();
    const docs = await this.m.Conversation.find({ owner: userId })
      .sort({ lastId: -1 })
      .limit(limit)
      .lean<ConversationDoc[]>()
      .exec();
    return docs.map((d) => ({ peerId: d.peer, channel: d.channel, lastId: d.lastId }));
  }

  async setRead(userId: string, channel: string, upTo: string): Promise<string> {
    this.ready();
    const doc = await this.queue.run(`read:${userId}:${channel}`, () =>
      upsertRetrying(() =>
        this.m.Read.findOneAndUpdate(
          { _id: `${userId}:${channel}` },
          { $max: { upTo }, $setOnInsert: { userId, channel } },
          { upsert: true, returnDocument: "after" },
        )
          .lean<ReadDoc>()
          .exec(),
      ),
    );
    return doc?.upTo ?? upTo;
  }

  async readMarkers(userId: string, channels: readonly string[]): Promise<Map<string, string>> {
    this.ready();
    if (channels.length === 0) return new Map();
    const ids = channels.map((c) => `${userId}:${c}`);
    const docs = await this.m.Read.find({ _id: mongoose.trusted({ $in: ids }) })
      .lean<ReadDoc[]>()
      .exec();
    return new Map(docs.map((d) => [d.channel, d.upTo]));
  }
}
