/**
 * The MongoDB backend: one mongoose connection shared by the stores of every
 * domain. Commands are never buffered: while the database is unreachable
 * every call fails within `serverSelectionTimeoutMS` (the services answer
 * UNAVAILABLE) and the connection is retried in the background.
 */
import mongoose, { type Connection } from "mongoose";
import type { Logger } from "../logger.js";
import { MongoAccountStore } from "../accounts/mongo-account-store.js";
import { MongoAttachmentStore } from "../attachments/mongo-attachment-store.js";
import { MongoMessageStore } from "../messages/mongo-message-store.js";
import { MongoPeopleStore } from "../people/mongo-people-store.js";
import { MongoRoomStore } from "../rooms/mongo-room-store.js";
import { StorageConfigError, type Storage } from "./storage.js";

const RETRY_MS = 1000;

export type MongoStorageOptions = {
  serverSelectionTimeoutMS?: number;
  /** Where message revs take their time from (tests skew it). */
  clock?: () => number;
  /**
   * Whether other processes may write messages into this database at the same
   * time (several nodes, which run only with REDIS_URL). True unless told:
   * false lets a new message skip its channel's rev guard (see MongoMessageStore).
   */
  sharedWriters?: boolean;
};

export class MongoStorage implements Storage {
  readonly kind = "mongo";
  readonly messages: MongoMessageStore;
  readonly rooms: MongoRoomStore;
  readonly people: MongoPeopleStore;
  readonly accounts: MongoAccountStore;
  readonly attachments: MongoAttachmentStore;
  private readonly conn: Connection;
  private connected: Promise<void> | undefined;
  private indexed = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly uri: string,
    private readonly logger: Logger,
    private readonly options: MongoStorageOptions = {},
  ) {
    this.conn = mongoose.createConnection();
    const ready = () => {
      if (!this.indexed) throw new Error("MongoDB is not connected");
    };
    this.messages = new MongoMessageStore(this.conn, ready, logger, options.clock, options.sharedWriters ?? true);
    this.rooms = new MongoRoomStore(this.conn, ready);
    this.people = new MongoPeopleStore(this.conn, ready);
    this.accounts = new MongoAccountStore(this.conn, ready);
    this.attachments = new MongoAttachmentStore(this.conn, ready);
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
      throw new StorageConfigError(`MONGODB_URI is malformed: ${(err as Error).message}`);
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
    await this.messages.ensureIndexes();
    await this.rooms.model.createIndexes();
    await this.people.ensureIndexes();
    await this.accounts.ensureIndexes();
    await this.attachments.ensureIndexes();
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

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.conn.close();
  }
}
