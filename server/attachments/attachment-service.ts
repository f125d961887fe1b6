/**
 * Attachments: taking an upload in (type from the content, images cleaned,
 * the size limit kept while the bytes arrive), who may read one, the
 * messages that carry them, and removing the uploads no message took.
 * Knows nothing of HTTP or Socket.IO: the routes hand it the file's chunks.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { canReadChannel } from "../channels/access.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Attachment, ChatMessage } from "../protocol.js";
import type { Limiter } from "../storage/limiter.js";
import { storageCall } from "../storage/storage-call.js";
import { AttachmentError } from "./attachment-error.js";
import { toAttachment, type AttachmentPart, type AttachmentRecord, type AttachmentStore, type ByteRange } from "./attachment-store.js";
import { cleanFileName, sniff, SNIFF_BYTES, TEXT_TYPE, TextCheck } from "./content-type.js";
import { ImageRefused, storeImage, THUMB_TYPE } from "./images.js";

/** Uploads one person may have in progress at once (on this node). */
export const UPLOADS_PER_PERSON = 3;

/** How an upload ended, for `chat_attachment_uploads_total{result}`. */
export const UPLOAD_RESULTS = ["stored", "too_large", "unsupported", "empty", "invalid", "unauthorized", "rate_limited", "failed"] as const;
export type UploadResult = (typeof UPLOAD_RESULTS)[number];

export type AttachmentServiceDeps = {
  store: AttachmentStore;
  limiter: Limiter;
  logger: Logger;
  /** Largest upload, in bytes (MAX_UPLOAD_BYTES). */
  maxBytes: number;
  /** An upload no message took within this long is removed. */
  unusedTtlMs: number;
  /**
   * The message a person stored under an idempotency key (MessageStore.findByKey):
   * how the sweep tells whether a send that took uploads stored its message.
   */
  findMessage?: ((userId: string, key: string) => Promise<ChatMessage | undefined>) | undefined;
};

const newId = () => randomBytes(12).toString("hex");
const sha256 = () => createHash("sha256");

/** What a GET serves: the record, and which of its parts. */
export type Served = { record: AttachmentRecord; type: string; size: number; hash: string };

export class AttachmentService {
  private readonly inProgress = new Map<string, number>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(private readonly deps: AttachmentServiceDeps) {}

  get maxBytes(): number {
    return this.deps.maxBytes;
  }

  /**
   * Holds one of the person's UPLOADS_PER_PERSON upload slots; the returned
   * function gives it back. RATE_LIMITED (429) when they are all in use.
   */
  begin(userId: string): () => void {
    const now = this.inProgress.get(userId) ?? 0;
    if (now >= UPLOADS_PER_PERSON) {
      throw new AttachmentError(429, "RATE_LIMITED", `at most ${UPLOADS_PER_PERSON} uploads at once`);
    }
    this.inProgress.set(userId, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inProgress.get(userId) ?? 1) - 1;
      if (left > 0) this.inProgress.set(userId, left);
      else this.inProgress.delete(userId);
    };
  }

  /**
   * Takes in one file as its chunks arrive and stores it. Refuses, having
   * kept nothing: an empty file (400), one over maxBytes as soon as the
   * chunk that crosses it arrives (413), a type not allowed (415). Images
   * are held in memory (at most maxBytes) to be cleaned; other files go to
   * the store as they come.
   */
  async upload(
    uploader: string,
    fileName: string | undefined,
    chunks: AsyncIterable<Buffer>,
    /** Called as soon as the upload is refused, before what was written is removed: stop reading. */
    onRefuse: () => void = () => undefined,
  ): Promise<Attachment> {
    try {
      return await this.take(uploader, fileName, chunks, onRefuse);
    } catch (err) {
      onRefuse();
      if (!(err instanceof AttachmentError)) this.deps.logger.warn({ err }, "attachments: an upload could not be stored");
      throw unavailable(err);
    }
  }

  private async take(uploader: string, fileName: string | undefined, chunks: AsyncIterable<Buffer>, onRefuse: () => void): Promise<Attachment> {
    const id = newId();
    const name = cleanFileName(fileName);
    const source = this.limited(chunks)[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < SNIFF_BYTES) {
      const next = await source.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headBytes += next.value.length;
    }
    if (headBytes === 0) throw new AttachmentError(400, "INVALID_INPUT", "the file is empty");
    const first = Buffer.concat(head);
    const sniffed = await sniff(first);
    if (sniffed.kind === "refused") throw unsupported();
    const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => (ended ? emptyIterator() : source) };

    const createdAt = new Date().toISOString();
    if (sniffed.kind === "image") {
      const parts: Buffer[] = [first];
      for await (const chunk of rest) parts.push(chunk);
      let image;
      try {
        image = await storeImage(Buffer.concat(parts), sniffed.type);
      } catch (err) {
        if (err instanceof ImageRefused) throw unsupported(err.message);
        throw err;
      }
      const record: AttachmentRecord = {
        id,
        uploader,
        name,
        type: sniffed.type,
        size: image.bytes.length,
        width: image.width,
        height: image.height,
        hash: sha256().update(image.bytes).digest("base64url"),
        thumb: { type: THUMB_TYPE, size: image.thumb.length, hash: sha256().update(image.thumb).digest("base64url") },
        createdAt,
        channel: null,
        claim: null,
      };
      await this.commit(record, async () => {
        await this.writeAll(id, "file", image.bytes);
        await this.writeAll(id, "thumb", image.thumb);
      });
      return toAttachment(record);
    }

    const text = sniffed.kind === "text" ? new TextCheck() : undefined;
    const hash = sha256();
    let size = 0;
    const writer = this.deps.store.writer(id, "file");
    try {
      for await (const chunk of prepend(first, rest)) {
        if (text && !text.push(chunk)) throw unsupported();
        hash.update(chunk);
        size += chunk.length;
        await writer.write(chunk);
      }
      if (text && !text.end()) throw unsupported();
      await writer.done();
    } catch (err) {
      onRefuse();
      await writer.abort();
      throw err instanceof AttachmentError ? err : unavailable(err);
    }
    const record: AttachmentRecord = {
      id,
      uploader,
      name,
      type: sniffed.kind === "text" ? TEXT_TYPE : sniffed.type,
      size,
      hash: hash.digest("base64url"),
      thumb: null,
      createdAt,
      channel: null,
      claim: null,
    };
    await this.commit(record);
    return toAttachment(record);
  }

  /** Writes the parts not written yet (`writeParts`), then the record; on any failure removes what was written. */
  private async commit(record: AttachmentRecord, writeParts: () => Promise<void> = async () => undefined): Promise<void> {
    try {
      await writeParts();
      await storageCall(this.deps.limiter, () => this.deps.store.create(record));
    } catch (err) {
      await this.deps.store.remove([record.id]).catch(() => undefined);
      throw unavailable(err);
    }
  }

  private async writeAll(id: string, part: AttachmentPart, bytes: Buffer): Promise<void> {
    const writer = this.deps.store.writer(id, part);
    try {
      await writer.write(bytes);
      await writer.done();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  /** The chunks, failing with 413 as soon as they add up to more than maxBytes. */
  private async *limited(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    let total = 0;
    for await (const chunk of chunks) {
      total += chunk.length;
      if (total > this.deps.maxBytes) throw tooLarge(this.deps.maxBytes);
      yield chunk;
    }
  }

  /**
   * What `viewerId` may fetch of attachment `id`: its bytes, or an image's
   * thumbnail. The uploader may, and whoever can read the message carrying
   * it. NOT_FOUND (404) for everyone else, for a missing id and for the
   * thumbnail of a non-image alike.
   */
  async open(viewerId: string | null, id: string, part: AttachmentPart): Promise<Served> {
    const notFound = new AttachmentError(404, "NOT_FOUND", "no such attachment");
    if (viewerId === null) throw notFound;
    const record = await storageCall(this.deps.limiter, () => this.deps.store.get(id));
    if (!record) throw notFound;
    const allowed = record.uploader === viewerId || (record.channel !== null && canReadChannel(viewerId, record.channel));
    if (!allowed) throw notFound;
    if (part === "file") return { record, type: record.type, size: record.size, hash: record.hash };
    if (!record.thumb) throw notFound;
    return { record, type: record.thumb.type, size: record.thumb.size, hash: record.thumb.hash };
  }

  /** The bytes of a part (or a range of them). */
  read(id: string, part: AttachmentPart, range?: ByteRange): Readable {
    return this.deps.store.read(id, part, range);
  }

  /**
   * Takes uploads for a message of `sender` in `channel`, all or none: each
   * must be `sender`'s and used by no message, or taken before under the same
   * `key` (the same send, retried). NOT_FOUND otherwise.
   */
  async claim(sender: string, ids: readonly string[], key: string, channel: string): Promise<Attachment[]> {
    const taken = await storageCall(this.deps.limiter, () => this.deps.store.claim(ids, sender, key, channel));
    if (!taken) throw new AppError("NOT_FOUND", "an attachment is not one of your unused uploads");
    return taken.map(toAttachment);
  }

  /** Gives uploads taken under `key` back (the send did not store its message). */
  async release(ids: readonly string[], key: string): Promise<void> {
    await storageCall(this.deps.limiter, () => this.deps.store.release(ids, key));
  }

  /** Removes attachments and their bytes (their message was deleted). */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await storageCall(this.deps.limiter, () => this.deps.store.remove(ids));
  }

  /** Bytes stored, thumbnails included (the storage gauge). */
  totalBytes(): Promise<number> {
    return this.deps.store.totalBytes();
  }

  /**
   * Removes the uploads no message took within unusedTtlMs, and the ones a
   * send took more than unusedTtlMs ago whose message is not stored, or no
   * longer carries them (the send failed and could not give them back; the
   * message was deleted but its attachments could not be removed then). The
   * others are marked checked, so each is looked at once. Resolves with how
   * many were removed.
   */
  sweep(now = Date.now()): Promise<number> {
    this.sweeping ??= (async () => {
      const before = new Date(now - this.deps.unusedTtlMs).toISOString();
      const { store, limiter } = this.deps;
      let removed = 0;
      for (;;) {
        const ids = await storageCall(limiter, () => store.unusedBefore(before, 100));
        if (ids.length === 0) break;
        await this.remove(ids);
        removed += ids.length;
      }
      const findMessage = this.deps.findMessage;
      if (!findMessage) return removed;
      for (;;) {
        const taken = await storageCall(limiter, () => store.unsettledBefore(before, 100));
        if (taken.length === 0) return removed;
        const carried: string[] = [];
        const orphans: string[] = [];
        for (const r of taken) {
          const message = await storageCall(limiter, () => findMessage(r.uploader, r.claim!));
          const carries = message?.deletedAt === undefined && (message?.attachments?.some((a) => a.id === r.id) ?? false);
          (carries ? carried : orphans).push(r.id);
        }
        if (carried.length > 0) await storageCall(limiter, () => store.settle(carried));
        await this.remove(orphans);
        removed += orphans.length;
      }
    })().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Sweeps every quarter of unusedTtlMs (at least once a second, at most once a minute) until `stop`. */
  start(): void {
    const every = Math.min(60_000, Math.max(1000, Math.floor(this.deps.unusedTtlMs / 4)));
    this.sweeper = setInterval(() => {
      this.sweep().catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, "attachments: sweep failed"));
    }, every);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}

const tooLarge = (max: number) => new AttachmentError(413, "INVALID_INPUT", `the file is larger than ${max} bytes`);
const unsupported = (detail?: string) =>
  new AttachmentError(415, "INVALID_INPUT", `this type of file is not accepted (PNG, JPEG, GIF, WebP, PDF or plain text)${detail ? `: ${detail}` : ""}`);

function unavailable(err: unknown): AttachmentError {
  if (err instanceof AttachmentError) return err;
  return Object.assign(new AttachmentError(503, "UNAVAILABLE", "storage is unavailable, try again"), { cause: err });
}

function emptyIterator(): AsyncIterator<Buffer> {
  return { next: async () => ({ done: true, value: undefined }) };
}

async function* prepend(first: Buffer, rest: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  yield first;
  yield* rest;
}
