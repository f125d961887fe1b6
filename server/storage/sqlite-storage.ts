/**
 * The embedded backend: one SQLite database through Node's built-in
 * `node:sqlite`, shared by the stores of every domain. Nothing to install
 * or run beside the server; one node only (several nodes need MongoDB, see
 * create-storage.ts).
 *
 * The schema is versioned with `PRAGMA user_version`: MIGRATIONS[i] takes a
 * database from version i to i + 1, each in its own transaction, so a
 * database written by an earlier release is brought up to date when opened.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Logger } from "../logger.js";
import { SqliteAccountStore } from "../accounts/sqlite-account-store.js";
import { SqliteAttachmentStore } from "../attachments/sqlite-attachment-store.js";
import { SqliteMessageStore } from "../messages/sqlite-message-store.js";
import { SqlitePeopleStore } from "../people/sqlite-people-store.js";
import { SqliteRoomStore } from "../rooms/sqlite-room-store.js";
import { WalCheckpointer, type CheckpointStats } from "./sqlite-checkpointer.js";
import { integer, SqliteConnection } from "./sqlite-db.js";
import { StorageConfigError, type Storage } from "./storage.js";

export type SqliteStorageOptions = {
  /** A file path, or ":memory:" for a database that lives as long as the storage is open. */
  path: string;
  logger: Logger;
  /** Where message revs take their time from (tests skew it). */
  clock?: () => number;
  /**
   * Where attachments' bytes go: by default `attachments/` beside the
   * database file, or, for a database in memory, a temporary directory
   * removed on close.
   */
  attachmentsDir?: string;
};

/**
 * How often a thread of its own copies the WAL back into the database file
 * (see WalCheckpointer): at a thousand messages a second, a few hundred pages each time.
 */
const CHECKPOINT_INTERVAL_MS = 250;

/**
 * WAL pages (4 KB each) at which a commit checkpoints on the event loop: when
 * the WAL has not been wholly copied at a moment a write started (SQLite starts
 * it over only then) for this long — under a sustained flood of writes — or
 * the checkpoint thread has stopped. The WAL file stays under about 40 MB.
 */
const WAL_CHECKPOINT_PAGES = 10_000;

/** How long a write waits for another connection's lock (a backup tool, the sqlite3 shell) before failing. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The schema, one migration per version; append, never edit a released one.
 *
 * Version 1:
 * - messages: what queries look up by in columns, the rest of the message as
 *   JSON in `body`; `seq` (the rowid) is insertion order and keys the search
 *   index. (channel, id, sender, deleted) serves pages and unread counts
 *   (which skip tombstones from the index alone), (channel, rev) the change
 *   feed, (rev) the greatest rev at startup, (sender, key) idempotency, and
 *   (reply_to) — the id a reply quotes, NULL for the others, so a partial
 *   index — finds the replies whose quote a deletion withdraws.
 * - message_text: FTS5 over the normalised text, trigram-tokenized (so it
 *   finds substrings, in any script), contentless — the text is already in
 *   `body` — with `contentless_delete` so that edits and deletes can remove
 *   a message's old text. search_state holds `indexed_seq`: messages up to
 *   it are in message_text, newer ones are indexed a moment later, in
 *   batches (see SqliteMessageStore).
 * - rooms, users, conversations (a person's, newest first by (owner,
 *   last_id)), read_markers.
 *
 * Version 2 (accounts):
 * - users.account: the username of someone who claimed one, for the marks
 *   in conversation lists and on messages to someone away.
 * - accounts: a username claimed by a userId; `name_key` (the display name
 *   as compared with usernames) is indexed so a username cannot be claimed
 *   that another account shows as its name.
 * - sessions by id (what a token names), and by account, newest first, for
 *   the account page and "sign out everywhere"; only a hash of each secret.
 * - passkeys by credential id, and by account.
 * - auth_challenges: WebAuthn challenges waiting for their answer, taken once.
 *
 * Version 3 (attachments):
 * - attachments: one row per upload (its bytes are files beside the
 *   database, see SqliteAttachmentStore); `claim` and `channel` are set once
 *   a message carries it. (claim, created_at) finds unused uploads to sweep,
 *   (settled, claimed_at) the taken ones not yet checked against their message.
 * - attachment_totals: the bytes stored, kept with every insert and removal,
 *   so the metric reads one row.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    rev TEXT NOT NULL,
    sender TEXT NOT NULL,
    key TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    reply_to TEXT,
    body TEXT NOT NULL
  ) STRICT;
  CREATE INDEX messages_by_channel ON messages (channel, id, sender, deleted);
  CREATE INDEX messages_by_reply_to ON messages (reply_to) WHERE reply_to IS NOT NULL;
  CREATE INDEX messages_by_channel_rev ON messages (channel, rev);
  CREATE INDEX messages_by_rev ON messages (rev);
  CREATE UNIQUE INDEX messages_by_sender_key ON messages (sender, key);
  CREATE VIRTUAL TABLE message_text USING fts5 (text, content = '', contentless_delete = 1, tokenize = 'trigram');
  CREATE TABLE search_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_seq INTEGER NOT NULL
  ) STRICT;
  INSERT INTO search_state (id, indexed_seq) VALUES (1, 0);

  CREATE TABLE rooms (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  ) STRICT;

  CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    last_seen TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE conversations (
    owner TEXT NOT NULL,
    peer TEXT NOT NULL,
    channel TEXT NOT NULL,
    last_id TEXT NOT NULL,
    PRIMARY KEY (owner, peer)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX conversations_by_recent ON conversations (owner, last_id);

  CREATE TABLE read_markers (
    user_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    up_to TEXT NOT NULL,
    PRIMARY KEY (user_id, channel)
  ) STRICT, WITHOUT ROWID;
  `,
  `
  ALTER TABLE users ADD COLUMN account TEXT;

  CREATE TABLE accounts (
    user_id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    password_hash TEXT,
    created_at TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX accounts_by_name_key ON accounts (name_key);

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    device TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX sessions_by_user ON sessions (user_id, last_seen);

  CREATE TABLE passkeys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    public_key BLOB NOT NULL,
    counter INTEGER NOT NULL,
    transports TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used TEXT
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX passkeys_by_user ON passkeys (user_id, created_at);

  CREATE TABLE auth_challenges (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX auth_challenges_by_expiry ON auth_challenges (expires_at);
  `,
  `
  CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    uploader TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    hash TEXT NOT NULL,
    thumb TEXT,
    stored_bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    channel TEXT,
    claim TEXT,
    claimed_at TEXT,
    settled INTEGER NOT NULL DEFAULT 0
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX attachments_unused ON attachments (claim, created_at);
  CREATE INDEX attachments_unsettled ON attachments (settled, claimed_at);
  CREATE TABLE attachment_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    bytes INTEGER NOT NULL
  ) STRICT;
  INSERT INTO attachment_totals (id, bytes) VALUES (1, 0);
  `,
];

export class SqliteStorage implements Storage {
  readonly kind = "sqlite";
  readonly messages: SqliteMessageStore;
  readonly rooms: SqliteRoomStore;
  readonly people: SqlitePeopleStore;
  readonly accounts: SqliteAccountStore;
  readonly attachments: SqliteAttachmentStore;
  private readonly conn = new SqliteConnection();
  private readonly path: string;
  private readonly logger: Logger;
  /** A directory of our own to remove on close (attachments of a database in memory). */
  private readonly scratch: string | undefined;
  /** Copies the WAL back into the file off the event loop (a database file only). */
  private checkpointer: WalCheckpointer | undefined;
  /** Set while closing: init waits for it, and a second close shares it. */
  private closing: Promise<void> | undefined;

  constructor(options: SqliteStorageOptions) {
    this.path = options.path;
    this.logger = options.logger;
    // Built now, usable once init() has opened the database: wrappers take hold of the stores early.
    this.messages = new SqliteMessageStore(this.conn, options.logger, options.clock);
    this.rooms = new SqliteRoomStore(this.conn);
    this.people = new SqlitePeopleStore(this.conn);
    this.accounts = new SqliteAccountStore(this.conn);
    let dir = options.attachmentsDir;
    if (dir === undefined && options.path === ":memory:") dir = this.scratch = mkdtempSync(path.join(os.tmpdir(), "chat-attachments-"));
    this.attachments = new SqliteAttachmentStore(this.conn, dir ?? path.join(path.dirname(path.resolve(options.path)), "attachments"));
  }

  /** Opens (creating when needed) the database and brings its schema up to date. Throws when it cannot. */
  async init(): Promise<void> {
    await this.closing;
    if (this.conn.isOpen) return;
    const inMemory = this.path === ":memory:";
    let db: DatabaseSync;
    try {
      if (!inMemory) mkdirSync(path.dirname(path.resolve(this.path)), { recursive: true });
      db = new DatabaseSync(this.path);
    } catch (err) {
      // A DATA_DIR that cannot be created or written: one clear line, not a stack trace.
      throw new StorageConfigError(`cannot open the database ${this.path} (check DATA_DIR): ${(err as Error).message}`);
    }
    try {
      if (!inMemory) {
        // WAL: readers never wait for the writer, and a commit appends instead of rewriting pages.
        const mode = db.prepare("PRAGMA journal_mode = WAL").get()?.journal_mode;
        if (mode !== "wal") this.logger.warn({ file: this.path, mode }, "storage: SQLite could not switch to WAL");
      }
      // With WAL, NORMAL syncs at checkpoints only: a power cut may lose the last
      // commits but never corrupts the database; a crash of the process loses nothing.
      db.exec(`PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};`);
      // Checkpoints are the checkpoint thread's (below); this connection's automatic one, at
      // WAL_CHECKPOINT_PAGES rather than SQLite's 1,000, is the fallback.
      if (!inMemory) db.exec(`PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      this.conn.attach(db);
      const version = this.migrate();
      this.messages.open();
      this.rooms.open();
      this.people.open();
      this.accounts.open();
      this.attachments.open();
      if (!inMemory) this.checkpointer = new WalCheckpointer(this.path, CHECKPOINT_INTERVAL_MS, this.logger);
      this.logger.info({ file: this.path, schema: version }, "storage: SQLite ready");
    } catch (err) {
      this.conn.detach();
      db.close();
      throw err;
    }
  }

  /** Applies the migrations this database lacks; resolves with its schema version. */
  private migrate(): number {
    const db = this.conn.db;
    const current = integer(db.prepare("PRAGMA user_version").get()!, "user_version");
    if (current > MIGRATIONS.length) {
      // A newer release wrote it: this one would misread what it does not know.
      throw new Error(
        `${this.path} has schema version ${current}, newer than this release's ${MIGRATIONS.length}: run a newer release`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      this.conn.transaction(() => {
        db.exec(MIGRATIONS[version]!);
        db.exec(`PRAGMA user_version = ${version + 1}`);
      });
      if (current > 0) this.logger.info({ file: this.path, version: version + 1 }, "storage: SQLite schema migrated");
    }
    return MIGRATIONS.length;
  }

  async isReady(): Promise<boolean> {
    return this.conn.isOpen;
  }

  /** What the checkpoint thread has done since the database opened; undefined for a database in memory. */
  get walCheckpoints(): CheckpointStats | undefined {
    return this.checkpointer?.stats;
  }

  /** Closes the database; a call while it is closing waits for the same close. */
  close(): Promise<void> {
    if (!this.closing && this.conn.isOpen) this.closing = this.closeNow().finally(() => (this.closing = undefined));
    return this.closing ?? Promise.resolve();
  }

  private async closeNow(): Promise<void> {
    const db = this.conn.db;
    const checkpointer = this.checkpointer;
    this.checkpointer = undefined;
    this.messages.beforeClose();
    this.conn.detach();
    // Before the last connection closes: that one checkpoints what is left and removes the WAL.
    await checkpointer?.close();
    try {
      // Keeps the planner's statistics current for the next opening; cheap when nothing changed.
      db.exec("PRAGMA optimize");
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "storage: SQLite optimize failed");
    }
    db.close();
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }
}
