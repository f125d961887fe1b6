/**
 * The MongoDB AccountStore. Uniqueness is the indexes' (`_id`, and a unique
 * `username`): a duplicate key error says which one a new account broke.
 * A challenge is taken with one `findOneAndDelete`, so on MongoDB it is used
 * once even when two nodes are asked at the same moment; FerretDB v1 does not
 * isolate it (two concurrent takes both get it), so takes of one challenge
 * also run one at a time in this process.
 */
import mongoose, { type Connection } from "mongoose";
import { KeyedQueue } from "../storage/keyed-queue.js";
import { isDuplicateKey } from "../storage/mongo-options.js";
import { accountModels, type AccountDoc, type PasskeyDoc, type SessionDoc } from "./account.model.js";
import type { AccountConflict, AccountRecord, AccountStore, PasskeyRecord, SessionRecord } from "./account-store.js";

const iso = (d: Date) => d.toISOString();

function account(d: AccountDoc): AccountRecord {
  return {
    userId: d._id,
    username: d.username,
    name: d.name,
    nameKey: d.nameKey,
    passwordHash: d.passwordHash ?? null,
    createdAt: iso(d.createdAt),
  };
}

function session(d: SessionDoc): SessionRecord {
  return {
    id: d._id,
    userId: d.userId,
    secretHash: d.secretHash,
    device: d.device,
    createdAt: iso(d.createdAt),
    lastSeen: iso(d.lastSeen),
  };
}

function passkey(d: PasskeyDoc): PasskeyRecord {
  // Lean documents hold BSON Binary; its `buffer` is the bytes.
  const raw: unknown = d.publicKey;
  const bytes =
    raw instanceof Uint8Array ? raw : raw instanceof mongoose.mongo.Binary ? raw.buffer : new Uint8Array();
  return {
    id: d._id,
    userId: d.userId,
    publicKey: new Uint8Array(bytes),
    counter: d.counter,
    transports: [...d.transports],
    label: d.label,
    createdAt: iso(d.createdAt),
    lastUsed: d.lastUsed ? iso(d.lastUsed) : null,
  };
}

export class MongoAccountStore implements AccountStore {
  private readonly m: ReturnType<typeof accountModels>;
  /** Takes of one challenge, one at a time (see above). */
  private readonly queue = new KeyedQueue();

  /** @param ready throws while the storage cannot serve */
  constructor(
    conn: Connection,
    private readonly ready: () => void,
  ) {
    this.m = accountModels(conn);
  }

  async ensureIndexes(): Promise<void> {
    for (const model of Object.values(this.m)) await model.createIndexes();
  }

  async createAccount(a: AccountRecord): Promise<AccountConflict | null> {
    this.ready();
    try {
      await this.m.Account.create({
        _id: a.userId,
        username: a.username,
        name: a.name,
        nameKey: a.nameKey,
        passwordHash: a.passwordHash,
        createdAt: new Date(a.createdAt),
      });
      return null;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return (await this.m.Account.exists({ _id: a.userId }).exec()) ? "userId" : "username";
    }
  }

  async deleteAccount(userId: string): Promise<void> {
    this.ready();
    await this.m.Account.deleteOne({ _id: userId }).exec();
  }

  async accountByUserId(userId: string): Promise<AccountRecord | undefined> {
    this.ready();
    const d = await this.m.Account.findById(userId).lean<AccountDoc>().exec();
    return d ? account(d) : undefined;
  }

  async accountByUsername(username: string): Promise<AccountRecord | undefined> {
    this.ready();
    const d = await this.m.Account.findOne({ username }).lean<AccountDoc>().exec();
    return d ? account(d) : undefined;
  }

  async nameKeyUsed(key: string, exceptUserId: string): Promise<boolean> {
    this.ready();
    const found = await this.m.Account.exists({ nameKey: key, _id: mongoose.trusted({ $ne: exceptUserId }) }).exec();
    return found !== null;
  }

  async setName(userId: string, name: string, key: string): Promise<void> {
    this.ready();
    await this.m.Account.updateOne({ _id: userId }, { $set: { name, nameKey: key } }).exec();
  }

  async setPasswordHash(userId: string, hash: string): Promise<void> {
    this.ready();
    await this.m.Account.updateOne({ _id: userId }, { $set: { passwordHash: hash } }).exec();
  }

  async createSession(x: SessionRecord): Promise<void> {
    this.ready();
    await this.m.Session.create({
      _id: x.id,
      userId: x.userId,
      secretHash: x.secretHash,
      device: x.device,
      createdAt: new Date(x.createdAt),
      lastSeen: new Date(x.lastSeen),
    });
  }

  async session(id: string): Promise<SessionRecord | undefined> {
    this.ready();
    const d = await this.m.Session.findById(id).lean<SessionDoc>().exec();
    return d ? session(d) : undefined;
  }

  async sessions(userId: string): Promise<SessionRecord[]> {
    this.ready();
    const docs = await this.m.Session.find({ userId }).sort({ lastSeen: -1 }).lean<SessionDoc[]>().exec();
    return docs.map(session);
  }

  async touchSession(id: string, seenAt: string): Promise<void> {
    this.ready();
    await this.m.Session.updateOne({ _id: id }, { $max: { lastSeen: new Date(seenAt) } }).exec();
  }

  async deleteSession(userId: string, id: string): Promise<boolean> {
    this.ready();
    const { deletedCount } = await this.m.Session.deleteOne({ _id: id, userId }).exec();
    return deletedCount > 0;
  }

  async deleteSessions(userId: string, keep = ""): Promise<string[]> {
    this.ready();
    const filter = { userId, _id: mongoose.trusted({ $ne: keep }) };
    const ids = (await this.m.Session.find(filter, { _id: 1 }).lean<{ _id: string }[]>().exec()).map((d) => d._id);
    if (ids.length > 0) await this.m.Session.deleteMany({ userId, _id: mongoose.trusted({ $in: ids }) }).exec();
    return ids;
  }

  async addPasskey(p: PasskeyRecord): Promise<boolean> {
    this.ready();
    try {
      await this.m.Passkey.create({
        _id: p.id,
        userId: p.userId,
        publicKey: Buffer.from(p.publicKey),
        counter: p.counter,
        transports: p.transports,
        label: p.label,
        createdAt: new Date(p.createdAt),
        lastUsed: null,
      });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async passkey(id: string): Promise<PasskeyRecord | undefined> {
    this.ready();
    const d = await this.m.Passkey.findById(id).lean<PasskeyDoc>().exec();
    return d ? passkey(d) : undefined;
  }

  async passkeys(userId: string): Promise<PasskeyRecord[]> {
    this.ready();
    const docs = await this.m.Passkey.find({ userId }).sort({ createdAt: 1, _id: 1 }).lean<PasskeyDoc[]>().exec();
    return docs.map(passkey);
  }

  async usePasskey(id: string, counter: number, usedAt: string): Promise<void> {
    this.ready();
    await this.m.Passkey.updateOne({ _id: id }, { $max: { counter }, $set: { lastUsed: new Date(usedAt) } }).exec();
  }

  async deletePasskey(userId: string, id: string): Promise<boolean> {
    this.ready();
    const { deletedCount } = await this.m.Passkey.deleteOne({ _id: id, userId }).exec();
    return deletedCount > 0;
  }

  async putChallenge(id: string, body: string, expiresAt: number): Promise<void> {
    this.ready();
    await this.m.Challenge.create({ _id: id, body, expiresAt });
  }

  async takeChallenge(id: string, now: number): Promise<string | undefined> {
    this.ready();
    await this.m.Challenge.deleteMany({ expiresAt: mongoose.trusted({ $lte: now }) }).exec();
    const d = await this.queue.run(`challenge:${id}`, () =>
      this.m.Challenge.findOneAndDelete({ _id: id }).lean<{ body: string; expiresAt: number }>().exec(),
    );
    return d && d.expiresAt > now ? d.body : undefined;
  }
}
