/**
 * MongoDB store through mongoose. Commands are never buffered: while the
 * database is unreachable every call fails within `serverSelectionTimeoutMS`
 * and the service answers UNAVAILABLE; the driver reconnects by itself.
 */
import mongoose, { type Connection } from "mongoose";
import type { Logger } from "../logger.js";
import type { ChatMessage, Page, User } from "../protocol.js";
import { MongoPeopleStore } from "../users/mongo-people-store.js";
import { models, type MessageDoc } from "./message.model.js";
import { searchMongo } from "./mongo-search.js";
import type { InsertResult, MessageStore, PageQuery, SearchQuery, StoredMessage } from "./store.js";

export class MongoUriError extends Error {
  override name = "MongoUriError";
}

const RETRY_MS = 1000;

export class MongoStore implements MessageStore {
  readonly kind = "mongo";
  private readonly conn: Connection;
  private readonly m: ReturnType<typeof models>;
  private connected: Promise<void> | undefined;
  private indexed = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  readonly people: MongoPeopleStore;

  constructor(
    private readonly uri: string,
    private readonly logger: Logger,
    private readonly options: { serverSelectionTimeoutMS?: number } = {},
  ) {
    this.conn = mongoose.createConnection();
    this.m = models(this.conn);
    this.people = new MongoPeopleStore(this.conn, this.m.Message, () => this.ready());
  }

  /**
   * Starts connecting. Resolves after the first attempt whether or not the
   * database answered (the server reports not-ready and keeps retrying);
   * rejects only when the URI itself is malformed.
   */
  async init(): Promise<void> {
    try {
      // Parses the connection string (and its options) without connecting.
      new mongoose.mongo.MongoClient(this.uri);
    } catch (err) {
      throw new MongoUriError(`MONGODB_URI is malformed: ${(err as Error).message}`);
    }
    try {
      await this.connect();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "MongoDB is not reachable yet; retrying in the background");
      this.scheduleRetry();
    }
  }

  private async connect(): Promise<void> {
    this.connected ??= this.conn
      .openUri(this.uri, {
        bufferCommands: false,
        autoIndex: false,
        autoCreate: false,
        sanitizeFilter: true,
        serverSelectionTimeoutMS: this.options.serverSelectionTimeoutMS ?? 2000,
      })
      .then(async () => {
        await this.ensureIndexes();
        this.logger.info({ db: this.conn.name }, "storage: MongoDB connected");
      })
      .catch((err: unknown) => {
        this.connected = undefined;
        throw err;
      });
    return this.connected;
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retry = setTimeout(() => {
      this.connect().catch(() => this.scheduleRetry());
    }, RETRY_MS);
    this.retry.unref();
  }

  private async ensureIndexes(): Promise<void> {
    if (this.indexed) return;
    await this.m.Message.createIndexes();
    await this.m.Room.createIndexes();
    await this.people.ensureIndexes();
    this.indexed = true;
  }

  async isReady(): Promise<boolean> {
    if (this.conn.readyState !== mongoose.ConnectionStates.connected || !this.indexed) return false;
    try {
      await this.conn.db!.admin().command({ ping: 1 }, { timeoutMS: 1000 });
      return true;
    } catch {
      return false;
    }
  }

  private ready(): void {
    if (!this.indexed) throw new Error("MongoDB is not connected");
  }

  async insert(message: StoredMessage): Promise<InsertResult> {
    this.ready();
    const { id, createdAt, ...rest } = message;
    const doc = { _id: id, ...rest, createdAt: new Date(createdAt) };
    try {
      await this.m.Message.create(doc);
      return { message: toChatMessage(doc), created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const original = await this.findByKey(message.from.userId, message.key);
      // A duplicate on _id alone would be an id collision, not a retry.
      if (!original) throw err;
      return { message: original, created: false };
    }
  }

  async findByKey(userId: string, key: string): Promise<ChatMessage | undefined> {
    this.ready();
    const doc = await this.m.Message.findOne({ "from.userId": userId, key }).lean<MessageDoc>().exec();
    return doc ? toChatMessage(doc) : undefined;
  }

  async page({ channel, before, after, limit }: PageQuery): Promise<Page> {
    this.ready();
    if (after !== undefined) {
      const docs = await this.m.Message.find({ channel, _id: mongoose.trusted({ $gt: after }) })
        .sort({ _id: 1 })
        .limit(limit + 1)
        .lean<MessageDoc[]>()
        .exec();
      return { messages: docs.slice(0, limit).map(toChatMessage), hasMore: docs.length > limit };
    }
    const filter = before === undefined ? { channel } : { channel, _id: mongoose.trusted({ $lt: before }) };
    const docs = await this.m.Message.find(filter)
      .sort({ _id: -1 })
      .limit(limit + 1)
      .lean<MessageDoc[]>()
      .exec();
    const hasMore = docs.length > limit;
    return { messages: docs.slice(0, limit).reverse().map(toChatMessage), hasMore };
  }

  async addRoom(name: string): Promise<void> {
    this.ready();
    await this.m.Room.updateOne({ _id: name }, { $setOnInsert: { createdAt: new Date() } }, { upsert: true }).exec();
  }

  async listRooms(): Promise<string[]> {
    this.ready();
    const rooms = await this.m.Room.find({}, { _id: 1 }).sort({ createdAt: 1 }).lean<{ _id: string }[]>().exec();
    return rooms.map((r) => r._id);
  }

  async search(query: SearchQuery): Promise<Page> {
    this.ready();
    const { docs, hasMore } = await searchMongo(this.m.Message, query);
    return { messages: docs.map(toChatMessage), hasMore };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.conn.close();
  }
}

function toChatMessage(doc: MessageDoc): ChatMessage {
  const user = (u: { userId: string; name: string; socketId?: string | null }): User => ({
    userId: u.userId,
    name: u.name,
    socketId: u.socketId ?? "",
  });
  return {
    id: doc._id,
    kind: doc.kind as ChatMessage["kind"],
    ...(doc.room != null ? { room: doc.room } : {}),
    from: user(doc.from),
    ...(doc.to != null ? { to: user(doc.to) } : {}),
    text: doc.text,
    createdAt: doc.createdAt.toISOString(),
    ...(doc.clientId != null ? { clientId: doc.clientId } : {}),
    ...(doc.mentions?.length ? { mentions: [...doc.mentions] } : {}),
  };
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === 11000;
}
