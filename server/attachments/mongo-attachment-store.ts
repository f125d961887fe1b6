/**
 * The MongoDB AttachmentStore: metadata in `attachments` (attachment.model.ts),
 * bytes in the GridFS bucket `attachments`. A file's id in the bucket is the
 * attachment id (`<id>.thumb` for its thumbnail); its metadata document is
 * written once the bytes are, and removed before them.
 *
 * Taking uploads for a message is one `updateMany` guarded by its filter
 * (unused, or taken with the same claim); when it takes fewer than asked —
 * another send took one meanwhile — what it took is given back.
 */
import mongoose, { type Connection } from "mongoose";
import type { Readable } from "node:stream";
import { KeyedQueue } from "../storage/keyed-queue.js";
import { DURABLE } from "../storage/mongo-options.js";
import { attachmentModel, type AttachmentDoc } from "./attachment.model.js";
import { streamWriter, type AttachmentPart, type AttachmentRecord, type AttachmentStore, type ByteRange, type BytesWriter } from "./attachment-store.js";

export const BUCKET = "attachments";

const fileId = (id: string, part: AttachmentPart) => (part === "file" ? id : `${id}.thumb`);

function record(d: AttachmentDoc): AttachmentRecord {
  return {
    id: d._id,
    uploader: d.uploader,
    name: d.name,
    type: d.type,
    size: d.size,
    ...(typeof d.width === "number" ? { width: d.width } : {}),
    ...(typeof d.height === "number" ? { height: d.height } : {}),
    hash: d.hash,
    thumb: d.thumb ? { type: d.thumb.type, size: d.thumb.size, hash: d.thumb.hash } : null,
    createdAt: d.createdAt.toISOString(),
    channel: d.channel ?? null,
    claim: d.claim ?? null,
  };
}

/** A GridFS "file not found" (deleting twice, reading what is gone). */
const isFileNotFound = (err: unknown) => err instanceof Error && /FileNotFound|file not found/i.test(`${err.name} ${err.message}`);

export class MongoAttachmentStore implements AttachmentStore {
  private readonly Attachment: ReturnType<typeof attachmentModel>;
  private gridfs: mongoose.mongo.GridFSBucket | undefined;

  /** @param ready throws while the storage cannot serve */
  constructor(
    private readonly conn: Connection,
    private readonly ready: () => void,
  ) {
    this.Attachment = attachmentModel(conn);
  }

  async ensureIndexes(): Promise<void> {
    await this.Attachment.createIndexes();
  }

  /** The bucket, once connected (the driver creates its own indexes on first write). */
  private bucket(): mongoose.mongo.GridFSBucket {
    this.ready();
    return (this.gridfs ??= new mongoose.mongo.GridFSBucket(this.conn.db!, { bucketName: BUCKET, writeConcern: DURABLE }));
  }

  writer(id: string, part: AttachmentPart): BytesWriter {
    const ident = fileId(id, part) as unknown as mongoose.mongo.ObjectId;
    return streamWriter(() => this.bucket().openUploadStreamWithId(ident, fileId(id, part)), {
      abort: async (upload) => {
        if (!upload) return;
        try {
          await upload.abort();
        } catch {
          // Already finished or failed: remove whatever reached the bucket.
          await this.bucket()
            .delete(ident)
            .catch(() => undefined);
        }
      },
    });
  }

  async create(r: AttachmentRecord): Promise<void> {
    this.ready();
    await this.Attachment.create({
      _id: r.id,
      uploader: r.uploader,
      name: r.name,
      type: r.type,
      size: r.size,
      ...(r.width !== undefined ? { width: r.width } : {}),
      ...(r.height !== undefined ? { height: r.height } : {}),
      hash: r.hash,
      thumb: r.thumb,
      storedBytes: r.size + (r.thumb?.size ?? 0),
      createdAt: new Date(r.createdAt),
      channel: null,
      claim: null,
      claimedAt: null,
      settled: false,
    });
  }

  async get(id: string): Promise<AttachmentRecord | undefined> {
    this.ready();
    const doc = await this.Attachment.findById(id).lean<AttachmentDoc>().exec();
    return doc ? record(doc) : undefined;
  }

  read(id: string, part: AttachmentPart, range?: ByteRange): Readable {
    // The driver's `end` is exclusive, as ours is.
    const ident = fileId(id, part) as unknown as mongoose.mongo.ObjectId;
    return this.bucket().openDownloadStream(ident, range ? { start: range.start, end: range.end } : {});
  }

  /**
   * A person's claims in this process, one at a time: FerretDB does not isolate
   * an update's filter from its write, so two concurrent claims of one upload
   * could both match it. (On MongoDB each document's update is atomic, and the
   * count of matched documents settles a race between processes.)
   */
  private readonly claims = new KeyedQueue();

  claim(ids: readonly string[], uploader: string, claim: string, channel: string): Promise<AttachmentRecord[] | null> {
    return this.claims.run(uploader, () => this.claimNow(ids, uploader, claim, channel));
  }

  private async claimNow(ids: readonly string[], uploader: string, claim: string, channel: string): Promise<AttachmentRecord[] | null> {
    this.ready();
    const docs = await this.Attachment.find({ _id: mongoose.trusted({ $in: [...ids] }) }).lean<AttachmentDoc[]>().exec();
    const byId = new Map(docs.map((d) => [d._id, d]));
    const free = (d: AttachmentDoc | undefined) => d !== undefined && d.uploader === uploader && (d.claim == null || d.claim === claim);
    if (!ids.every((id) => free(byId.get(id)))) return null;
    const taken = await this.Attachment.updateMany(
      { _id: mongoose.trusted({ $in: [...ids] }), uploader, claim: mongoose.trusted({ $in: [null, claim] }) },
      { $set: { claim, channel, claimedAt: new Date() } },
    ).exec();
    if (taken.matchedCount !== ids.length) {
      await this.release(ids, claim);
      return null;
    }
    return ids.map((id) => ({ ...record(byId.get(id)!), claim, channel }));
  }

  async release(ids: readonly string[], claim: string): Promise<void> {
    this.ready();
    await this.Attachment.updateMany({ _id: mongoose.trusted({ $in: [...ids] }), claim }, { $set: { claim: null, channel: null, claimedAt: null } }).exec();
  }

  async remove(ids: readonly string[]): Promise<void> {
    this.ready();
    if (ids.length === 0) return;
    await this.Attachment.deleteMany({ _id: mongoose.trusted({ $in: [...ids] }) }).exec();
    const bucket = this.bucket();
    for (const id of ids) {
      for (const part of ["file", "thumb"] as const) {
        try {
          await bucket.delete(fileId(id, part) as unknown as mongoose.mongo.ObjectId);
        } catch (err) {
          if (!isFileNotFound(err)) throw err;
        }
      }
    }
  }

  async unusedBefore(before: string, limit: number): Promise<string[]> {
    this.ready();
    const docs = await this.Attachment.find({ claim: null, createdAt: mongoose.trusted({ $lt: new Date(before) }) }, { _id: 1 })
      .sort({ claim: 1, createdAt: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>()
      .exec();
    return docs.map((d) => d._id);
  }

  async unsettledBefore(before: string, limit: number): Promise<AttachmentRecord[]> {
    this.ready();
    const docs = await this.Attachment.find({ settled: false, claimedAt: mongoose.trusted({ $lt: new Date(before) }) })
      .sort({ settled: 1, claimedAt: 1 })
      .limit(limit)
      .lean<AttachmentDoc[]>()
      .exec();
    return docs.map(record);
  }

  async settle(ids: readonly string[]): Promise<void> {
    this.ready();
    await this.Attachment.updateMany({ _id: mongoose.trusted({ $in: [...ids] }) }, { $set: { settled: true } }).exec();
  }

  async totalBytes(): Promise<number> {
    this.ready();
    const [sum] = await this.Attachment.aggregate<{ n: number }>([{ $group: { _id: null, n: { $sum: "$storedBytes" } } }]).exec();
    return sum?.n ?? 0;
  }
}
