/**
 * The attachment store: uploaded files' bytes (and images' thumbnails) and
 * what is known of each — who uploaded it, its detected type, and, once a
 * message carries it, that message's channel. Implementations:
 * sqlite-attachment-store.ts (metadata in the embedded database, bytes as
 * files under DATA_DIR/attachments) and mongo-attachment-store.ts (metadata
 * in a collection, bytes in the GridFS bucket `attachments`); both pass
 * test/helpers/attachment-store-contract.ts. It knows nothing of HTTP.
 */
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import type { Attachment } from "../protocol.js";

/** The two byte streams an attachment may have. */
export type AttachmentPart = "file" | "thumb";

export type AttachmentRecord = {
  id: string;
  /** The userId of who uploaded it. */
  uploader: string;
  /** The uploader's file name, cleaned (see cleanFileName). */
  name: string;
  /** The MIME type detected from the content. */
  type: string;
  /** Bytes stored. */
  size: number;
  width?: number;
  height?: number;
  /** SHA-256 of the stored bytes, base64url: the ETag. */
  hash: string;
  /** An image's thumbnail; null for other files. */
  thumb: { type: string; size: number; hash: string } | null;
  /** ISO 8601. */
  createdAt: string;
  /** The channel of the message that carries it; null while no message does. */
  channel: string | null;
  /** The idempotency key of the send that took it (see `claim`); null while unused. */
  claim: string | null;
};

/** Where bytes go while they are uploaded: nothing is visible until `done`. */
export interface BytesWriter {
  /** Resolves once the chunk is accepted (respecting backpressure). */
  write(chunk: Buffer): Promise<void>;
  /** Makes the bytes durable under their id. */
  done(): Promise<void>;
  /** Discards what was written; never throws. */
  abort(): Promise<void>;
}

/**
 * A BytesWriter over a stream that `open` makes on the first write: `write`
 * waits for the stream's "drain", `done` ends it, waits for "finish" (both
 * reject when the stream fails) and then `commit`s; `abort` is the store's
 * own, given the stream if one was opened.
 */
export function streamWriter<S extends Writable>(
  open: () => S,
  ends: { commit?: () => Promise<void>; abort: (stream: S | undefined) => Promise<void> },
): BytesWriter {
  let stream: S | undefined;
  let failure: Error | undefined;
  const opened = (): S => {
    if (failure) throw failure;
    if (!stream) {
      stream = open();
      stream.on("error", (err: Error) => (failure = err));
    }
    return stream;
  };
  return {
    write: async (chunk) => {
      const s = opened();
      if (!s.write(chunk)) await once(s, "drain");
    },
    done: async () => {
      const s = opened();
      const finished = once(s, "finish");
      s.end();
      await finished;
      await ends.commit?.();
    },
    abort: () => ends.abort(stream),
  };
}

/** Bytes `start` to `end` (exclusive) of a part. */
export type ByteRange = { start: number; end: number };

export interface AttachmentStore {
  /** A writer for the bytes of a new attachment's part. */
  writer(id: string, part: AttachmentPart): BytesWriter;
  /** Records an attachment whose bytes are written (done). */
  create(record: AttachmentRecord): Promise<void>;
  get(id: string): Promise<AttachmentRecord | undefined>;
  /** The bytes of a part (all of them, or a range); errors surface on the stream. */
  read(id: string, part: AttachmentPart, range?: ByteRange): Readable;
  /**
   * Takes uploads of `uploader` for one message, all or none: each must
   * exist, be `uploader`'s, and be unused or already taken with the same
   * `claim` (a retry of the same send). Resolves with their records in the
   * order of `ids`, now carrying `channel` and `claim`, or null (nothing changed).
   */
  claim(ids: readonly string[], uploader: string, claim: string, channel: string): Promise<AttachmentRecord[] | null>;
  /** Gives back uploads taken with `claim` (a send that failed): unused again. */
  release(ids: readonly string[], claim: string): Promise<void>;
  /** Removes attachments, their bytes and thumbnails; unknown ids are skipped. */
  remove(ids: readonly string[]): Promise<void>;
  /** Ids of at most `limit` unused uploads made before `before` (ISO 8601). */
  unusedBefore(before: string, limit: number): Promise<string[]>;
  /**
   * At most `limit` uploads taken by a send before `before` (ISO 8601) and
   * not yet found carrying a message (see `settle`): the sweep checks each
   * against the messages once.
   */
  unsettledBefore(before: string, limit: number): Promise<AttachmentRecord[]>;
  /** Marks uploads as checked: a stored message carries them. */
  settle(ids: readonly string[]): Promise<void>;
  /** Bytes stored, thumbnails included. */
  totalBytes(): Promise<number>;
}

/** What clients see of a record. */
export function toAttachment(r: AttachmentRecord): Attachment {
  const out: Attachment = { id: r.id, name: r.name, type: r.type, size: r.size };
  if (r.width !== undefined) out.width = r.width;
  if (r.height !== undefined) out.height = r.height;
  return out;
}
