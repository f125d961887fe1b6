/**
 * The SQLite AttachmentStore: what is known of each attachment in the
 * embedded database (table `attachments`), the bytes as files in one
 * directory — `<id>` and `<id>.thumb` — written under a temporary name and
 * renamed once complete, so a file that exists is whole. A row is written
 * only after its files; removing deletes the row first, then the files.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync } from "node:fs";
import { rename, rm, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Readable } from "node:stream";
import { integer, PreparedStatements, text, type Row, type SqliteConnection } from "../storage/sqlite-db.js";
import { streamWriter, type AttachmentPart, type AttachmentRecord, type AttachmentStore, type ByteRange, type BytesWriter } from "./attachment-store.js";

/** Every statement of the store; exported for the query-plan test. */
export const ATTACHMENT_SQL = {
  insert:
    "INSERT INTO attachments (id, uploader, name, type, size, width, height, hash, thumb, stored_bytes, created_at, channel, claim) " +
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
  get: "SELECT * FROM attachments WHERE id = ?",
  claim: "UPDATE attachments SET claim = ?, channel = ?, claimed_at = ? WHERE id = ?",
  release: "UPDATE attachments SET claim = NULL, channel = NULL, claimed_at = NULL WHERE id = ? AND claim = ?",
  remove: "DELETE FROM attachments WHERE id = ? RETURNING stored_bytes",
  unusedBefore: "SELECT id FROM attachments WHERE claim IS NULL AND created_at < ? ORDER BY created_at LIMIT ?",
  unsettledBefore: "SELECT * FROM attachments WHERE settled = 0 AND claimed_at < ? ORDER BY claimed_at LIMIT ?",
  settle: "UPDATE attachments SET settled = 1 WHERE id = ?",
  addBytes: "UPDATE attachment_totals SET bytes = bytes + ? WHERE id = 1",
  totalBytes: "SELECT bytes FROM attachment_totals WHERE id = 1",
} as const;

function record(r: Row): AttachmentRecord {
  const { width, height, thumb, channel, claim } = r;
  return {
    id: text(r, "id"),
    uploader: text(r, "uploader"),
    name: text(r, "name"),
    type: text(r, "type"),
    size: integer(r, "size"),
    ...(width !== null && width !== undefined ? { width: integer(r, "width") } : {}),
    ...(height !== null && height !== undefined ? { height: integer(r, "height") } : {}),
    hash: text(r, "hash"),
    thumb: typeof thumb === "string" ? (JSON.parse(thumb) as AttachmentRecord["thumb"]) : null,
    createdAt: text(r, "created_at"),
    channel: typeof channel === "string" ? channel : null,
    claim: typeof claim === "string" ? claim : null,
  };
}

export class SqliteAttachmentStore implements AttachmentStore {
  private readonly sql: PreparedStatements<keyof typeof ATTACHMENT_SQL>;

  /** @param dir where the bytes go (created when missing) */
  constructor(
    private readonly conn: SqliteConnection,
    readonly dir: string,
  ) {
    this.sql = new PreparedStatements(conn, ATTACHMENT_SQL);
  }

  /** Prepares the statements on the freshly opened database, and the directory. */
  open(): void {
    mkdirSync(this.dir, { recursive: true });
    // Uploads a crash cut off: never renamed, never recorded.
    for (const name of readdirSync(this.dir)) if (name.endsWith(".part")) rmSync(path.join(this.dir, name), { force: true });
    this.sql.prepare();
  }

  private get s() {
    return this.sql.statements;
  }

  private file(id: string, part: AttachmentPart): string {
    return path.join(this.dir, part === "file" ? id : `${id}.thumb`);
  }

  writer(id: string, part: AttachmentPart): BytesWriter {
    const final = this.file(id, part);
    const temp = `${final}.${randomBytes(6).toString("hex")}.part`;
    return streamWriter(() => createWriteStream(temp, { flags: "wx" }), {
      commit: () => rename(temp, final),
      abort: async (out) => {
        out?.destroy();
        await unlink(temp).catch(() => undefined);
      },
    });
  }

  async create(r: AttachmentRecord): Promise<void> {
    const s = this.s;
    const stored = r.size + (r.thumb?.size ?? 0);
    await this.conn.write(() => {
      s.insert.run(
        r.id,
        r.uploader,
        r.name,
        r.type,
        r.size,
        r.width ?? null,
        r.height ?? null,
        r.hash,
        r.thumb ? JSON.stringify(r.thumb) : null,
        stored,
        r.createdAt,
      );
      s.addBytes.run(stored);
    });
  }

  async get(id: string): Promise<AttachmentRecord | undefined> {
    const row = this.s.get.get(id);
    return row ? record(row) : undefined;
  }

  read(id: string, part: AttachmentPart, range?: ByteRange): Readable {
    // fs ranges are inclusive; ours end before `end`.
    return createReadStream(this.file(id, part), range ? { start: range.start, end: range.end - 1 } : {});
  }

  async claim(ids: readonly string[], uploader: string, claim: string, channel: string): Promise<AttachmentRecord[] | null> {
    const s = this.s;
    // One write: every upload is taken, or none.
    return this.conn.write(() => {
      const found = ids.map((id) => s.get.get(id));
      const free = (row: Row | undefined): row is Row =>
        row !== undefined && row.uploader === uploader && (row.claim === null || row.claim === claim);
      if (!found.every(free)) return null;
      const at = new Date().toISOString();
      for (const id of ids) s.claim.run(claim, channel, at, id);
      return found.map((row) => ({ ...record(row), claim, channel }));
    });
  }

  async release(ids: readonly string[], claim: string): Promise<void> {
    const s = this.s;
    await this.conn.write(() => {
      for (const id of ids) s.release.run(id, claim);
    });
  }

  async remove(ids: readonly string[]): Promise<void> {
    const s = this.s;
    await this.conn.write(() => {
      let freed = 0;
      for (const id of ids) {
        const row = s.remove.get(id);
        if (row) freed += integer(row, "stored_bytes");
      }
      if (freed > 0) s.addBytes.run(-freed);
    });
    await Promise.all(
      ids.flatMap((id) => (["file", "thumb"] as const).map((part) => rm(this.file(id, part), { force: true }))),
    );
  }

  async unusedBefore(before: string, limit: number): Promise<string[]> {
    return this.s.unusedBefore.all(before, limit).map((r) => text(r, "id"));
  }

  async unsettledBefore(before: string, limit: number): Promise<AttachmentRecord[]> {
    return this.s.unsettledBefore.all(before, limit).map(record);
  }

  async settle(ids: readonly string[]): Promise<void> {
    const s = this.s;
    await this.conn.write(() => {
      for (const id of ids) s.settle.run(id);
    });
  }

  async totalBytes(): Promise<number> {
    const row = this.s.totalBytes.get();
    return row ? integer(row, "bytes") : 0;
  }
}
