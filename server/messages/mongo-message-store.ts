/**
 * The MongoDB MessageStore, through mongoose. Its Storage (storage/mongo-storage.ts)
 * owns the connection: commands are never buffered, so while the database is
 * unreachable every call fails within `serverSelectionTimeoutMS` and the
 * service answers UNAVAILABLE.
 */
import mongoose, { mongo, type Collection, type Connection } from "mongoose";
import type { Logger } from "../logger.js";
import type { Attachment, ChatMessage, Page, User } from "../protocol.js";
import { BatchQueue } from "../storage/batch-queue.js";
import { KeyedQueue } from "../storage/keyed-queue.js";
import { DURABLE, isDuplicateKey } from "../storage/mongo-options.js";
import { emptiedToDrop, visibleReactions, withdrawnQuote, wouldChange, type ChangeResult, type MessageChange } from "./message-change.js";
import { createIdGenerator } from "./message-id.js";
import { models, newMessageDocument, type LeanMessage, type NewMessageDocument } from "./message.model.js";
import { searchMongo } from "./mongo-search.js";
import { searchTerms } from "./search-terms.js";
import type {
  ChangesQuery,
  InsertResult,
  MessageStore,
  NewMessage,
  PageQuery,
  SearchQuery,
  StoredMessage,
} from "./message-store.js";

/** Tries before a change that keeps losing races to other nodes gives up (and the client retries). */
const MAX_ATTEMPTS = 20;

/** The most new messages written in one `insertMany` (see `newDocuments`). */
export const INSERT_BATCH_MAX = 256;

/**
 * The shortest time between the starts of two `insertMany`s while messages
 * keep coming (see `newDocuments`). A database that answers within a
 * millisecond would otherwise get them one or two at a time, each paying a
 * round trip and a journal commit; this adds at most as much to an ack, and
 * only under load.
 */
export const INSERT_GAP_MS = 4;

/** One document of a batch that the database refused (e.g. a duplicate key: a retried message). */
export class DocumentWriteError extends Error {
  readonly code: number;
  constructor(refusal: mongo.WriteError) {
    super(refusal.errmsg ?? `write refused with code ${refusal.code}`);
    this.name = "DocumentWriteError";
    this.code = refusal.code;
  }
}

export class MongoMessageStore implements MessageStore {
  private readonly m: ReturnType<typeof models>;
  /** The messages collection through the driver, for new messages (see insert). */
  private readonly inserts: Collection<NewMessageDocument>;
  /**
   * New messages' documents, written in batches: a message that arrives while
   * a batch is in flight, or within INSERT_GAP_MS of the last one's start, goes
   * in the next one. Under load this is one round trip and one commit for many
   * messages, which costs the database and the driver a fraction of a write
   * each; a message alone waits only for the end of its event-loop turn, or for
   * the gap to pass after the last batch. One batch at a time, in the order the
   * messages reached it. (STORE_MAX_CONCURRENCY bounds how many are in flight,
   * and so how big a batch gets in practice.)
   */
  private readonly newDocuments = new BatchQueue<NewMessageDocument, void>(
    (docs) => this.insertDocuments(docs),
    INSERT_BATCH_MAX,
    INSERT_GAP_MS,
  );
  private readonly revs: ReturnType<typeof createIdGenerator>;
  /**
   * Changes to one message, and rev allocations for changes of one channel,
   * run one at a time in this process. Needed on FerretDB v1, whose updates are a read and
   * a write without isolation (concurrent `$addToSet`s or `$max`es on one
   * document lose all but some); on MongoDB it only spares needless retries.
   */
  private readonly queue = new KeyedQueue();
  /** Per channel, the guard write that new messages wait for and have not started yet (see guardInsert). */
  private readonly guardBatches = new Map<string, { rev: string; done: Promise<void> }>();

  /**
   * Per channel, the one-time read that starts this process's revs above every
   * rev the channel already holds (see `caughtUp`); dropped when it fails, so
   * that the next call reads again.
   */
  private readonly channelsCaughtUp = new Map<string, Promise<void>>();

  /**
   * @param ready throws while the storage cannot serve
   * @param clock where revs take their time from (tests skew it)
   * @param sharedWriters whether other processes write messages into this
   *   database too (several nodes). When not, a new message skips its channel's
   *   guard: revs come from this process's one generator, which never goes
   *   backwards, and `caughtUp` starts it above what earlier processes stored.
   */
  constructor(
    conn: Connection,
    private readonly ready: () => void,
    private readonly logger: Logger,
    clock?: () => number,
    private readonly sharedWriters = true,
  ) {
    this.revs = createIdGenerator(clock);
    this.m = models(conn);
    this.inserts = conn.collection<NewMessageDocument>(this.m.Message.collection.collectionName);
  }

  async ensureIndexes(): Promise<void> {
    await this.m.Message.createIndexes();
    await this.m.ChannelRev.createIndexes();
  }

  async insert(message: NewMessage): Promise<InsertResult> {
    this.ready();
    await this.caughtUp(message.channel);
    const { id } = message;
    // The rev is made here, without waiting for the channel's guard: a message must
    // become visible soon after its id was made (catch-up by id relies on it). The
    // guard is raised right after the write.
    const doc = newMessageDocument(message, searchTerms(message.text), this.revs());
    try {
      await this.newDocuments.push(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const original = await this.findByKey(message.from.userId, message.key);
      // A duplicate on _id alone would be an id collision, not a retry.
      if (!original) throw err;
      return { message: original, created: false };
    }
    // The only writer: no other node hands out revs that a change could fall below.
    if (!this.sharedWriters) return { message: toChatMessage(doc), created: true };
    try {
      return { message: await this.guardInsert(doc), created: true };
    } catch (err) {
      // Stored is stored: refusing it now would hold back its delivery until a retry,
      // and the guard matters only while clocks disagree. Its rev from this node stands.
      this.logger.warn({ err: (err as Error).message, id }, "rev guard of a new message failed");
      return { message: toChatMessage(doc), created: true };
    }
  }

  /**
   * One `insertMany` of new messages' documents, unordered: a document the
   * database refuses (a retry's duplicate key) fails alone, the others are
   * stored. Straight through the driver: each document is built from typed
   * fields (newMessageDocument), so mongoose's casting and validation would
   * only cost time.
   */
  private async insertDocuments(docs: NewMessageDocument[]): Promise<PromiseSettledResult<void>[]> {
    try {
      await this.inserts.insertMany(docs, { writeConcern: DURABLE, ordered: false });
      return docs.map(() => ({ status: "fulfilled", value: undefined }));
    } catch (err) {
      const refusals = documentRefusals(err, docs.length);
      // The batch as a whole failed (connection, write concern): an error of its own, never
      // taken for one document's duplicate key, so that no message that was stored is
      // answered as a retry of itself (its sender retries, and gets it then).
      if (!refusals) throw new Error(`writing ${docs.length} new messages failed: ${(err as Error).message}`, { cause: err });
      return docs.map((_, i) => {
        const refusal = refusals.get(i);
        return refusal ? { status: "rejected", reason: new DocumentWriteError(refusal) } : { status: "fulfilled", value: undefined };
      });
    }
  }

  async findByKey(userId: string, key: string): Promise<ChatMessage | undefined> {
    this.ready();
    const doc = await this.m.Message.findOne({ "from.userId": userId, key }).lean<LeanMessage>().exec();
    return doc ? toChatMessage(doc) : undefined;
  }

  /**
   * A new rev for `channel`, greater than `floor` and than every rev handed
   * out for this channel before, by any node. Our generator never goes
   * backwards, but another node's clock may run ahead of ours: the channel's
   * guard document holds the greatest rev handed out (`$max`), and when it is
   * ahead of ours we jump past it and try again. Without it, a node whose
   * clock is behind would write changes that sort before ones a client
   * already has, and that client's `changedAfter` would never see them.
   */
  private nextRev(channel: string, floor?: string): Promise<string> {
    return this.queue.run(`rev\u0000${channel}`, async () => {
      await this.caughtUp(channel);
      let after = floor;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const rev = this.revs(after);
        try {
          const before = await this.raiseGuard(channel, rev);
          if (!before || before.rev < rev) return rev;
          after = before.rev;
        } catch (err) {
          // Two nodes created the channel's guard at the same moment: go again.
          if (!isDuplicateKey(err)) throw err;
        }
      }
      throw new Error(`could not get a rev for ${channel}: too much contention`);
    });
  }

  /**
   * Records a new message's rev in its channel's guard, so that changes made
   * later on any node get greater revs. A new message keeps the rev this node
   * gave it, like its id: when the guard shows another node ahead, this node's
   * clock jumps past it for what it writes next.
   *
   * New messages of one channel share guard writes: one `$max` at a time per
   * channel (in the queue that rev allocations use, so no two `$max`es on one
   * guard run at once in this process), and the messages that arrive while one
   * is waiting or in flight are recorded together by the next, with their
   * greatest rev. Each still resolves only once a `$max` covering its own rev
   * is written, so what it guarantees is unchanged; under load a channel's
   * messages cost one guard write per round trip instead of one each.
   */
  private async guardInsert(doc: LeanMessage & { rev: string }): Promise<ChatMessage> {
    let batch = this.guardBatches.get(doc.channel);
    if (batch) {
      if (doc.rev > batch.rev) batch.rev = doc.rev;
    } else {
      const open = { rev: doc.rev, done: Promise.resolve() };
      this.guardBatches.set(doc.channel, open);
      open.done = this.queue.run(`rev\u0000${doc.channel}`, async () => {
        // From here on, new messages of the channel wait for the next write.
        if (this.guardBatches.get(doc.channel) === open) this.guardBatches.delete(doc.channel);
        let before: { rev: string } | null;
        try {
          before = await this.raiseGuard(doc.channel, open.rev);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          // Another node created the channel's guard at the same moment; it exists now.
          before = await this.raiseGuard(doc.channel, open.rev);
        }
        if (before && before.rev > open.rev) this.revs(before.rev);
      });
      batch = open;
    }
    await batch.done;
    return toChatMessage(doc);
  }

  /**
   * Once per channel and process, before its first rev: moves the rev
   * generator past the greatest rev, newest id and guard the channel already
   * holds, so that a process started on a clock behind the one before it (a
   * restart, a new machine) still gives greater revs than everything stored —
   * which, when it is the only writer, no guard write per message checks any
   * more. Three reads, each served by an index; later calls cost nothing.
   */
  private caughtUp(channel: string): Promise<void> {
    let done = this.channelsCaughtUp.get(channel);
    if (!done) {
      done = (async () => {
        const [byRev, byId, guard] = await Promise.all([
          this.m.Message.findOne({ channel, rev: mongoose.trusted({ $ne: null }) }, { rev: 1 }).sort({ rev: -1 }).lean<{ rev: string }>().exec(),
          this.m.Message.findOne({ channel }, { _id: 1 }).sort({ _id: -1 }).lean<{ _id: string }>().exec(),
          this.m.ChannelRev.findOne({ _id: channel }).lean<{ rev: string }>().exec(),
        ]);
        const greatest = [byRev?.rev, byId?._id, guard?.rev].filter((r): r is string => typeof r === "string").sort().at(-1);
        if (greatest !== undefined) this.revs(greatest);
      })();
      this.channelsCaughtUp.set(channel, done);
      done.catch(() => this.channelsCaughtUp.delete(channel));
    }
    return done;
  }

  /** `$max` on the channel's guard; resolves with the guard as it was before. */
  private raiseGuard(channel: string, rev: string): Promise<{ rev: string } | null> {
    return this.m.ChannelRev.findOneAndUpdate({ _id: channel }, { $max: { rev } }, { upsert: true, returnDocument: "before" })
      .lean<{ rev: string }>()
      .exec();
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    this.ready();
    const doc = await this.m.Message.findOne({ _id: id }).lean<LeanMessage>().exec();
    return doc ? toStoredMessage(doc) : undefined;
  }

  async change(
    id: string,
    change: MessageChange,
    allow: (current: StoredMessage) => void,
  ): Promise<ChangeResult | undefined> {
    this.ready();
    return this.queue.run(`msg\u0000${id}`, async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const doc = await this.m.Message.findOne({ _id: id }).lean<LeanMessage>().exec();
        if (!doc) return undefined;
        const current = toStoredMessage(doc);
        allow(current);
        if (!wouldChange(current, change)) return { message: toChatMessage(doc), changed: false };
        const rev = await this.nextRev(current.channel, current.rev);
        // Compare-and-set on the rev: applies only to the state just read, so a
        // message's rev only ever grows and no concurrent change is overwritten.
        const updated = await this.m.Message.findOneAndUpdate({ _id: id, rev: doc.rev ?? null }, updateFor(change, rev, current), {
          returnDocument: "after",
        })
          .lean<LeanMessage>()
          .exec();
        if (updated) return { message: toChatMessage(updated), changed: true };
        // Another node changed it in between: look again.
      }
      throw new Error(`message ${id} is changing too fast to apply a change`);
    });
  }

  async clearQuotesOf(id: string): Promise<ChatMessage[]> {
    this.ready();
    const replies = await this.m.Message.find(
      { "replyTo.id": id, "replyTo.deleted": mongoose.trusted({ $ne: true }) },
      { _id: 1 },
    )
      .lean<{ _id: string }[]>()
      .exec();
    const cleared: ChatMessage[] = [];
    // One reply at a time, each under its message's queue like any other change of it.
    for (const { _id } of replies) {
      const reply = await this.clearQuote(_id);
      if (reply) cleared.push(reply);
    }
    return cleared;
  }

  /** Withdraws the quote of one reply, with a new rev; undefined when it is already withdrawn. */
  private clearQuote(id: string): Promise<ChatMessage | undefined> {
    return this.queue.run(`msg\u0000${id}`, async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const doc = await this.m.Message.findOne({ _id: id }).lean<LeanMessage>().exec();
        if (!doc?.replyTo || doc.replyTo.deleted === true) return undefined;
        const rev = await this.nextRev(doc.channel, doc.rev ?? doc._id);
        const replyTo = withdrawnQuote(toChatMessage(doc).replyTo!);
        // Compare-and-set on the rev, as every change: `$set` of the whole quote, no positional operator.
        const updated = await this.m.Message.findOneAndUpdate({ _id: id, rev: doc.rev ?? null }, { $set: { replyTo, rev } }, {
          returnDocument: "after",
        })
          .lean<LeanMessage>()
          .exec();
        if (updated) return toChatMessage(updated);
      }
      throw new Error(`message ${id} is changing too fast to withdraw its quote`);
    });
  }

  async changes({ channel, after, limit }: ChangesQuery): Promise<Page> {
    this.ready();
    const docs = await this.m.Message.find({
      channel,
      // Messages stored before revs existed have none and count as rev = id; they sort first.
      $or: [{ rev: mongoose.trusted({ $gt: after }) }, { rev: null, _id: mongoose.trusted({ $gt: after }) }],
    })
      .sort({ rev: 1, _id: 1 })
      .limit(limit + 1)
      .lean<LeanMessage[]>()
      .exec();
    return { messages: docs.slice(0, limit).map(toChatMessage), hasMore: docs.length > limit };
  }

  async page({ channel, before, after, limit }: PageQuery): Promise<Page> {
    this.ready();
    if (after !== undefined) {
      const docs = await this.m.Message.find({ channel, _id: mongoose.trusted({ $gt: after }) })
        .sort({ _id: 1 })
        .limit(limit + 1)
        .lean<LeanMessage[]>()
        .exec();
      return { messages: docs.slice(0, limit).map(toChatMessage), hasMore: docs.length > limit };
    }
    const filter = before === undefined ? { channel } : { channel, _id: mongoose.trusted({ $lt: before }) };
    const docs = await this.m.Message.find(filter)
      .sort({ _id: -1 })
      .limit(limit + 1)
      .lean<LeanMessage[]>()
      .exec();
    const hasMore = docs.length > limit;
    return { messages: docs.slice(0, limit).reverse().map(toChatMessage), hasMore };
  }

  async search(query: SearchQuery): Promise<Page> {
    this.ready();
    const { docs, hasMore } = await searchMongo(this.m.Message, query);
    return { messages: docs.map(toChatMessage), hasMore };
  }

  async countUnread(channel: string, after: string, reader: string, cap: number): Promise<number> {
    this.ready();
    // Bounded by `cap` and served by { channel: 1, _id: -1 }: the range after the marker, newest part only.
    // Tombstones do not count (deletedAt is checked on the fetched documents, like the sender).
    return this.m.Message.countDocuments(
      { channel, _id: mongoose.trusted({ $gt: after }), "from.userId": mongoose.trusted({ $ne: reader }), deletedAt: null },
      { limit: cap },
    ).exec();
  }
}

/**
 * The update for one change, with its new rev. The one place where a stored
 * message's text changes in MongoDB: atomic operators only (no positional
 * operator, which FerretDB v1 lacks). Search terms follow the text. `current`
 * is the state the update applies to (the update is a compare-and-set on its rev).
 */
function updateFor(change: MessageChange, rev: string, current: StoredMessage) {
  switch (change.kind) {
    case "edit":
      return { $set: { text: change.text, terms: searchTerms(change.text), editedAt: new Date(change.at), rev } };
    case "delete":
      return { $set: { text: "", terms: [], deletedAt: new Date(change.at), rev }, $unset: { reactions: 1, mentions: 1, attachments: 1 } };
    case "react": {
      const path = `reactions.${change.emoji}`;
      if (!change.on) return { $pull: { [path]: change.userId }, $set: { rev } };
      // At the limit of stored entries, a new emoji takes the place of the emptied ones.
      const drop = emptiedToDrop(current, change);
      const unset = drop.length > 0 ? { $unset: Object.fromEntries(drop.map((emoji) => [`reactions.${emoji}`, 1])) } : {};
      return { $addToSet: { [path]: change.userId }, $set: { rev }, ...unset };
    }
  }
}

/** A person as stored; a message to someone away keeps `socketId: ""`. */
const user = (u: { userId: string; name: string; account?: string | null; socketId?: string | null }): User =>
  typeof u.account === "string"
    ? { userId: u.userId, name: u.name, account: u.account, socketId: u.socketId ?? "" }
    : { userId: u.userId, name: u.name, socketId: u.socketId ?? "" };

/** An attachment's description as stored; width and height only for images. */
const attachmentOf = (a: { id: string; name: string; type: string; size: number; width?: number | null; height?: number | null }): Attachment => ({
  id: a.id,
  name: a.name,
  type: a.type,
  size: a.size,
  ...(typeof a.width === "number" ? { width: a.width } : {}),
  ...(typeof a.height === "number" ? { height: a.height } : {}),
});

function toChatMessage(doc: LeanMessage): ChatMessage {
  return {
    id: doc._id,
    kind: doc.kind as ChatMessage["kind"],
    ...(doc.room != null ? { room: doc.room } : {}),
    from: user(doc.from),
    ...(doc.to != null ? { to: user(doc.to) } : {}),
    text: doc.text ?? "",
    createdAt: doc.createdAt.toISOString(),
    ...(doc.clientId != null ? { clientId: doc.clientId } : {}),
    ...(doc.mentions?.length ? { mentions: [...doc.mentions] } : {}),
    rev: doc.rev ?? doc._id,
    ...(doc.editedAt != null ? { editedAt: doc.editedAt.toISOString() } : {}),
    ...(doc.deletedAt != null ? { deletedAt: doc.deletedAt.toISOString() } : {}),
    ...visibleReactions(Object.entries(doc.reactions ?? {}).map(([emoji, userIds]) => ({ emoji, userIds }))),
    ...(doc.attachments?.length ? { attachments: doc.attachments.map(attachmentOf) } : {}),
    ...(doc.replyTo != null
      ? {
          replyTo: {
            id: doc.replyTo.id,
            from: user(doc.replyTo.from),
            text: doc.replyTo.text ?? "",
            ...(doc.replyTo.deleted === true ? { deleted: true as const } : {}),
          },
        }
      : {}),
  };
}

function toStoredMessage(doc: LeanMessage): StoredMessage {
  const reactions = Object.entries(doc.reactions ?? {}).map(([emoji, userIds]) => ({ emoji, userIds }));
  return {
    ...toChatMessage(doc),
    ...(reactions.length > 0 ? { reactions } : {}),
    channel: doc.channel,
    key: doc.key,
  };
}

/**
 * The documents of an unordered `insertMany` that the database refused, by
 * their index, when `err` says exactly which: every other document was
 * stored and acknowledged as asked. Undefined when the error concerns the
 * whole batch (the connection, the write concern), which then fails as a whole.
 */
function documentRefusals(err: unknown, count: number): Map<number, mongo.WriteError> | undefined {
  if (!(err instanceof mongo.MongoBulkWriteError)) return undefined;
  const { result } = err;
  if (!result.hasWriteErrors() || result.getWriteConcernError()) return undefined;
  const refusals = new Map(result.getWriteErrors().map((refusal) => [refusal.index, refusal]));
  return result.insertedCount + refusals.size === count ? refusals : undefined;
}
