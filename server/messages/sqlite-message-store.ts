/**
 * The SQLite MessageStore (node:sqlite), the embedded default backend.
 *
 * One table `messages`: the columns queries look things up by (id, channel,
 * rev, sender, key, deleted, reply_to) and the rest of the message as JSON in `body`;
 * its rowid `seq` follows insertion order and keys the search index
 * `message_text` (FTS5, trigram, contentless). Every statement is prepared
 * once when the database opens and is served by an index
 * (test/unit/sqlite-storage.test.ts checks the plans).
 *
 * node:sqlite is synchronous: each call holds the event loop for as long as
 * its statements run, so every query reads a bounded number of rows and
 * search has explicit bounds (below). Writes go through the connection's
 * write queue (storage/sqlite-db.ts): each is atomic, and the writes of one
 * event-loop turn share a commit.
 *
 * A new message joins the search index a moment after it is stored
 * (INDEX_DELAY_MS), together with the others stored meanwhile: FTS5 turns
 * what one commit adds into a new index segment, and merges segments as
 * they pile up, so indexing each message in its own commit cost several
 * times the insert itself. `search_state.indexed_seq` says how far the index
 * goes; a search reads the few newer messages directly, so a message is
 * found as soon as it is stored, and messages a crash left unindexed are
 * indexed when the database opens again.
 *
 * Revs come from one generator seeded past the greatest stored rev when the
 * database opens, so every rev is greater than every earlier one — of any
 * channel, across restarts, even when the clock stepped back meanwhile.
 */
import type { SQLOutputValue, StatementSync } from "node:sqlite";
import type { Logger } from "../logger.js";
import type { ChatMessage, Page } from "../protocol.js";
import { integer, PreparedStatements, text, type Row, type SqliteConnection, type Statements } from "../storage/sqlite-db.js";
import { emptiedToDrop, withdrawnQuote, wouldChange, type ChangeResult, type MessageChange } from "./message-change.js";
import { createIdGenerator, type IdGenerator } from "./message-id.js";
import {
  copyStored,
  firstVersion,
  toChatMessage,
  type ChangesQuery,
  type InsertResult,
  type MessageStore,
  type NewMessage,
  type PageQuery,
  type SearchQuery,
  type StoredMessage,
} from "./message-store.js";
import { normalise } from "./search-terms.js";

/**
 * Most FTS matches one search looks at, whatever their channel, before it
 * gives up on filling its page. Without it a query whose words are everywhere
 * except in the asker's channels would walk the whole index in one
 * synchronous call. Measured (bench/sqlite-insert.ts, 20,000 messages, a
 * 2-vCPU VM): at most ~15 ms of event-loop time per search — FTS5 checks a
 * multi-word trigram phrase at ~7 µs a match.
 */
export const SEARCH_MAX_CANDIDATES = 2_000;
/**
 * Most messages a search without a phrase of 3 characters (which the trigram
 * index cannot look up: "hi", "书", "東京") reads, newest first across its
 * channels: at most ~20 ms (~4 µs a message, mostly reading the row). Older
 * messages are not found by such a query.
 */
export const SEARCH_MAX_SCANNED = 5_000;
/** How long after a message is stored its text joins the search index, with every message stored meanwhile. */
export const INDEX_DELAY_MS = 50;
/** Most messages one indexing pass takes (in one transaction); the rest follow at once in the next pass. */
const INDEX_BATCH = 1_000;
/**
 * Most messages not yet in the search index that a search reads directly,
 * newest first. The indexer keeps this tail to about INDEX_DELAY_MS worth of
 * messages; should it fall further behind, the older part of the tail is
 * found only once indexed.
 */
export const SEARCH_MAX_UNINDEXED = 2_000;
/** The shortest phrase the trigram index can look up, in code points. */
const TRIGRAM = 3;
/** FTS matches fetched per round: the first rounds are small because most pages fill at once. */
const WINDOW_MIN = 64;
const WINDOW_MAX = 1_024;
/** Rows a channel's scan reads per round at most (its first round reads one). */
const LANE_BATCH_MAX = 256;
/** Greater than every rowid this store will hand out: the "no bound" cursor of the FTS scan. */
const NO_SEQ = Number.MAX_SAFE_INTEGER;

const COLUMNS = "seq, id, channel, rev, key, body";
const TEXT = "body ->> '$.text' AS text";

/**
 * Every statement of the store. Exported for the query-plan test, which
 * checks that each one is served by an index.
 */
export const MESSAGE_SQL = {
  insert:
    "INSERT INTO messages (id, channel, rev, sender, key, deleted, reply_to, body) VALUES (?, ?, ?, ?, ?, 0, ?, ?) " +
    "ON CONFLICT (sender, key) DO NOTHING",
  update: "UPDATE messages SET rev = ?, deleted = ?, body = ? WHERE seq = ?",
  indexText: "INSERT INTO message_text (rowid, text) VALUES (?, ?)",
  reindexText: "UPDATE message_text SET text = ? WHERE rowid = ?",
  unindexText: "DELETE FROM message_text WHERE rowid = ?",
  get: `SELECT ${COLUMNS} FROM messages WHERE id = ?`,
  findByKey: `SELECT ${COLUMNS} FROM messages WHERE sender = ? AND key = ?`,
  pageNewest: `SELECT ${COLUMNS} FROM messages WHERE channel = ? ORDER BY id DESC LIMIT ?`,
  pageOlder: `SELECT ${COLUMNS} FROM messages WHERE channel = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  pageNewer: `SELECT ${COLUMNS} FROM messages WHERE channel = ? AND id > ? ORDER BY id LIMIT ?`,
  changes: `SELECT ${COLUMNS} FROM messages WHERE channel = ? AND rev > ? ORDER BY rev LIMIT ?`,
  countUnread:
    "SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE channel = ? AND id > ? AND sender <> ? AND deleted = 0 LIMIT ?)",
  /** The replies to a message whose quote still holds its text. */
  quotesOf: `SELECT ${COLUMNS} FROM messages WHERE reply_to = ? AND body ->> '$.replyTo.deleted' IS NULL`,
  maxRev: "SELECT max(rev) AS rev FROM messages",
  /** How far the search index goes (see INDEX_DELAY_MS). */
  indexedSeq: "SELECT indexed_seq AS seq FROM search_state WHERE id = 1",
  setIndexedSeq: "UPDATE search_state SET indexed_seq = ? WHERE id = 1",
  /** The next messages to index, oldest first. */
  unindexed: `SELECT seq, id, deleted, ${TEXT} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`,
  /** A search's candidates among the messages not yet indexed, newest first. */
  searchUnindexed:
    `SELECT seq, id, deleted, ${TEXT} FROM messages WHERE seq > ?1 ` +
    // `+channel`: the range of seq, newest first, is the plan; the channel index would need a sort.
    "AND +channel IN (SELECT value FROM json_each(?2)) AND (?3 IS NULL OR id < ?3) ORDER BY seq DESC LIMIT ?4",
  /** Where a search older than `before` starts in the FTS index (seq follows id, see searchIndexed). */
  seqFrom: "SELECT seq FROM messages WHERE id >= ? ORDER BY id LIMIT 1",
  /** The next FTS matches, newest first: seq and FTS rowid are one. */
  searchWindow:
    "SELECT rowid AS seq FROM message_text WHERE message_text MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
  /** Which of a window's matches are candidates (in the asker's channels, not deleted, older than `before`). */
  searchRows:
    `SELECT seq, id, 0 AS deleted, ${TEXT} FROM messages WHERE seq IN (SELECT value FROM json_each(?1)) ` +
    "AND channel IN (SELECT value FROM json_each(?2)) AND deleted = 0 AND (?3 IS NULL OR id < ?3)",
  scanNewest: `SELECT seq, id, deleted, ${TEXT} FROM messages WHERE channel = ? ORDER BY id DESC LIMIT ?`,
  scanOlder: `SELECT seq, id, deleted, ${TEXT} FROM messages WHERE channel = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  /** A confirmed candidate, read whole. */
  bySeq: `SELECT ${COLUMNS} FROM messages WHERE seq = ?`,
} as const;

type MessageStatements = Statements<keyof typeof MESSAGE_SQL>;

/** What `body` holds: the message without its columns. */
type Body = Omit<StoredMessage, "id" | "channel" | "rev" | "key">;

/**
 * A search candidate: only what confirming it takes. Each column read costs
 * (node:sqlite builds a JS value for it), so the message itself is read
 * only once confirmed.
 */
type Candidate = { seq: number; id: string; text: string; deleted: boolean };

export class SqliteMessageStore implements MessageStore {
  private readonly sql: PreparedStatements<keyof typeof MESSAGE_SQL>;
  private revs: IdGenerator;
  /** Messages with a seq up to this are in the search index (search_state.indexed_seq, as of the last write). */
  private indexedSeq = 0;
  private indexTimer: NodeJS.Timeout | undefined;
  private closing = false;

  /** @param clock where revs take their time from (tests skew it) */
  constructor(
    private readonly conn: SqliteConnection,
    private readonly logger: Logger,
    private readonly clock?: () => number,
  ) {
    this.sql = new PreparedStatements(conn, MESSAGE_SQL);
    this.revs = createIdGenerator(clock);
  }

  /**
   * Prepares the statements on the freshly opened database, seeds revs past
   * the stored ones, and indexes what a crash left out of the search index.
   */
  open(): void {
    const statements = this.sql.prepare();
    this.revs = createIdGenerator(this.clock);
    const greatest = statements.maxRev.get()?.rev;
    if (typeof greatest === "string") this.revs(greatest);
    this.closing = false;
    this.indexedSeq = this.storedIndexedSeq();
    this.scheduleIndexing(0);
  }

  /**
   * Queues the last indexing pass, so that it commits with the writes the
   * connection flushes on close; messages it leaves (more than one batch)
   * are indexed when the database opens again.
   */
  beforeClose(): void {
    this.closing = true;
    clearTimeout(this.indexTimer);
    this.indexTimer = undefined;
    this.conn.write(() => this.indexBatch()).catch(() => undefined);
  }

  /** Indexes every message not in the search index yet, now (for tests, and tools that want the index complete). */
  async indexPending(): Promise<void> {
    while (await this.conn.write(() => this.indexBatch()));
  }

  private storedIndexedSeq(): number {
    const row = this.s.indexedSeq.get();
    return row ? integer(row, "seq") : 0;
  }

  /** Runs an indexing pass after `delay` ms, unless one is already due. */
  private scheduleIndexing(delay = INDEX_DELAY_MS): void {
    if (this.indexTimer !== undefined || this.closing) return;
    this.indexTimer = setTimeout(() => {
      this.indexTimer = undefined;
      this.conn.write(() => this.indexBatch()).then(
        (more) => {
          if (more) this.scheduleIndexing(0);
        },
        (err: unknown) => {
          // The pass was rolled back with its batch: start again from what is stored.
          if (!this.conn.isOpen) return;
          this.logger.warn({ err }, "storage: indexing messages for search failed; retrying in a second");
          this.indexedSeq = this.storedIndexedSeq();
          this.scheduleIndexing(1_000);
        },
      );
    }, delay);
    // A pass left undone is taken up when the database opens next.
    this.indexTimer.unref();
  }

  /**
   * Adds the text of up to INDEX_BATCH messages stored since the last pass
   * to the search index (tombstones have none) and moves `indexed_seq`
   * past them. Runs inside a write; true when more are waiting.
   */
  private indexBatch(): boolean {
    const s = this.s;
    const rows = s.unindexed.all(this.indexedSeq, INDEX_BATCH);
    if (rows.length === 0) return false;
    for (const row of rows) {
      const c = candidate(row);
      if (!c.deleted) s.indexText.run(c.seq, normalise(c.text));
    }
    this.indexedSeq = integer(rows.at(-1)!, "seq");
    s.setIndexedSeq.run(this.indexedSeq);
    return rows.length === INDEX_BATCH;
  }

  private get s(): MessageStatements {
    return this.sql.statements;
  }

  async insert(message: NewMessage): Promise<InsertResult> {
    const s = this.s;
    return this.conn.write(() => {
      const stored = firstVersion(message, this.revs());
      const { changes } = s.insert.run(
        stored.id,
        stored.channel,
        stored.rev,
        stored.from.userId,
        stored.key,
        stored.replyTo?.id ?? null,
        bodyOf(stored),
      );
      if (changes === 0) {
        const original = s.findByKey.get(stored.from.userId, stored.key);
        // ON CONFLICT covers (sender, key) only: an id collision throws instead.
        if (!original) throw new Error(`message ${stored.id} was neither stored nor found`);
        return { message: toChatMessage(readMessage(original)), created: false };
      }
      this.scheduleIndexing();
      return { message: toChatMessage(stored), created: true };
    });
  }

  async findByKey(userId: string, key: string): Promise<ChatMessage | undefined> {
    const row = this.s.findByKey.get(userId, key);
    return row && toChatMessage(readMessage(row));
  }

  async page({ channel, before, after, limit }: PageQuery): Promise<Page> {
    const s = this.s;
    if (after !== undefined) return pageOf(s.pageNewer.all(channel, after, limit + 1), limit);
    const rows = before === undefined ? s.pageNewest.all(channel, limit + 1) : s.pageOlder.all(channel, before, limit + 1);
    const page = pageOf(rows, limit);
    page.messages.reverse();
    return page;
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    const row = this.s.get.get(id);
    return row && readMessage(row);
  }

  async change(
    id: string,
    change: MessageChange,
    allow: (current: StoredMessage) => void,
  ): Promise<ChangeResult | undefined> {
    const s = this.s;
    return this.conn.write(() => {
      const row = s.get.get(id);
      if (!row) return undefined;
      const current = readMessage(row);
      // A copy: whatever `allow` does to it, the change applies to the stored state.
      allow(copyStored(current));
      if (!wouldChange(current, change)) return { message: toChatMessage(current), changed: false };
      const next = applyChange(current, change, this.revs(current.rev));
      const seq = integer(row, "seq");
      s.update.run(next.rev, next.deletedAt === undefined ? 0 : 1, bodyOf(next), seq);
      // The search index follows the text: an edit re-indexes it, a tombstone leaves the index.
      // A message not indexed yet needs neither: the next pass reads its text as it is then.
      if (seq <= this.indexedSeq) {
        if (change.kind === "edit") s.reindexText.run(normalise(next.text), seq);
        else if (change.kind === "delete") s.unindexText.run(seq);
      }
      return { message: toChatMessage(next), changed: true };
    });
  }

  async clearQuotesOf(id: string): Promise<ChatMessage[]> {
    const s = this.s;
    // One write: every reply is cleared, or none (and a repeat does it all).
    return this.conn.write(() =>
      s.quotesOf.all(id).map((row) => {
        const next = readMessage(row);
        next.replyTo = withdrawnQuote(next.replyTo!);
        next.rev = this.revs(next.rev);
        s.update.run(next.rev, next.deletedAt === undefined ? 0 : 1, bodyOf(next), integer(row, "seq"));
        return toChatMessage(next);
      }),
    );
  }

  async changes({ channel, after, limit }: ChangesQuery): Promise<Page> {
    return pageOf(this.s.changes.all(channel, after, limit + 1), limit);
  }

  async countUnread(channel: string, after: string, reader: string, cap: number): Promise<number> {
    // LIMIT inside: counts stop at `cap`; the (channel, id, sender, deleted) index alone answers it.
    const row = this.s.countUnread.get(channel, after, reader, cap);
    return row ? integer(row, "n") : 0;
  }

  async search(query: SearchQuery): Promise<Page> {
    const s = this.s;
    // No word at all would match everything: the interface promises at least one.
    if (query.phrases.length === 0) return { messages: [], hasMore: false };
    const indexed = query.phrases.filter((p) => [...p].length >= TRIGRAM);
    // `matches` tokenizes the whole text (~8 µs); a cheaper test (~1 µs) turns most
    // candidates it would refuse away first, and `matches` has the last word.
    const confirm = (text: string) => {
      const normalised = normalise(text);
      return query.phrases.every((p) => mayBeWord(normalised, p)) && query.matches(text);
    };
    const found = indexed.length > 0 ? this.searchIndexed(s, query, indexed, confirm) : this.searchRecent(s, query, confirm);
    const messages = found.slice(0, query.limit).flatMap((seq) => {
      const row = s.bySeq.get(seq);
      return row ? [toChatMessage(readMessage(row))] : [];
    });
    return { messages, hasMore: found.length > query.limit };
  }

  /**
   * Reads the messages not in the index yet (at most SEARCH_MAX_UNINDEXED,
   * newest first), then walks the FTS matches of the query's long phrases
   * newest first, in windows, keeps those in the asker's channels and confirms each with
   * `matches` (the index only knows substrings: "eet" is in "meeting", but starts no word of it).
   * Stops at `limit + 1` confirmed or after SEARCH_MAX_CANDIDATES matches;
   * then `hasMore` is false even if older matches might exist, as the
   * MongoDB store does when it gives up.
   *
   * Newest first is by seq, which follows id: the message service makes an
   * id right before calling `insert`, and inserts run in call order.
   */
  private searchIndexed(
    s: MessageStatements,
    query: SearchQuery,
    phrases: string[],
    confirm: (text: string) => boolean,
  ): number[] {
    const match = phrases.map((p) => `"${p.replaceAll('"', '""')}"`).join(" AND ");
    const channels = JSON.stringify([...new Set(query.channels)]);
    const before = query.before ?? null;
    let cursor = NO_SEQ;
    if (query.before !== undefined) {
      const from = s.seqFrom.get(query.before);
      if (from) cursor = integer(from, "seq");
    }
    const found: number[] = [];
    // The newest messages, not in the index yet: read directly, they come before every indexed one.
    for (const c of s.searchUnindexed.all(this.indexedSeq, channels, before, SEARCH_MAX_UNINDEXED).map(candidate)) {
      if (c.deleted || !confirm(c.text)) continue;
      found.push(c.seq);
      if (found.length > query.limit) return found;
    }
    let window = Math.min(WINDOW_MAX, Math.max(WINDOW_MIN, 4 * (query.limit + 1)));
    for (let seen = 0; seen < SEARCH_MAX_CANDIDATES && found.length <= query.limit; ) {
      const size = Math.min(window, SEARCH_MAX_CANDIDATES - seen);
      const seqs = s.searchWindow.all(match, cursor, size).map((r) => integer(r, "seq"));
      if (seqs.length === 0) break;
      seen += seqs.length;
      cursor = seqs.at(-1)!;
      const candidates = s.searchRows.all(JSON.stringify(seqs), channels, before).map(candidate);
      candidates.sort((a, b) => b.seq - a.seq);
      for (const c of candidates) {
        if (!confirm(c.text)) continue;
        found.push(c.seq);
        if (found.length > query.limit) break;
      }
      if (seqs.length < size) break;
      window = Math.min(WINDOW_MAX, window * 2);
    }
    return found;
  }

  /**
   * A query with no phrase the trigram index can look up: reads the newest
   * messages of its channels, newest first across all of them (a merge of
   * one index scan per channel), confirming each with `matches`, until
   * `limit + 1` are confirmed or SEARCH_MAX_SCANNED were read (plus, to
   * start, the newest of each channel).
   */
  private searchRecent(s: MessageStatements, query: SearchQuery, confirm: (text: string) => boolean): number[] {
    const found: number[] = [];
    const lanes = new LaneHeap();
    for (const channel of new Set(query.channels)) {
      const lane = new Lane(channel, query.before, s.scanNewest, s.scanOlder);
      if (lane.fill(1)) lanes.push(lane);
    }
    for (let read = 1; read <= SEARCH_MAX_SCANNED && found.length <= query.limit; read++) {
      const lane = lanes.top();
      if (!lane) break;
      const c = lane.take();
      // Never reads past the budget: what is left of it caps the next round.
      if (lane.fill(SEARCH_MAX_SCANNED - read)) lanes.replaceTop(lane);
      else lanes.pop();
      if (!c.deleted && confirm(c.text)) found.push(c.seq);
    }
    return found;
  }
}

/**
 * One channel's messages, newest first, read in rounds that double from one
 * row: a search over a thousand channels reads one row of each to start,
 * and a busy channel soon reads many per statement.
 */
class Lane {
  private rows: Candidate[] = [];
  private at = 0;
  private batch = 1;
  private exhausted = false;

  constructor(
    private readonly channel: string,
    private before: string | undefined,
    private readonly newest: StatementSync,
    private readonly older: StatementSync,
  ) {}

  /** The newest message not yet taken (call `fill` first). */
  get head(): Candidate {
    return this.rows[this.at]!;
  }

  take(): Candidate {
    return this.rows[this.at++]!;
  }

  /**
   * Reads the next round (at most `max` rows) when this one is used up;
   * false when the channel has nothing more, or nothing more may be read.
   */
  fill(max: number): boolean {
    if (this.at < this.rows.length) return true;
    if (this.exhausted || max <= 0) return false;
    const size = Math.min(this.batch, max);
    const rows =
      this.before === undefined
        ? this.newest.all(this.channel, size)
        : this.older.all(this.channel, this.before, size);
    this.rows = rows.map(candidate);
    this.at = 0;
    this.exhausted = rows.length < size;
    this.batch = Math.min(LANE_BATCH_MAX, this.batch * 2);
    if (this.rows.length === 0) return false;
    this.before = this.rows.at(-1)!.id;
    return true;
  }
}

/** Lanes by their head's id, greatest first: a binary max-heap. */
class LaneHeap {
  private readonly lanes: Lane[] = [];

  top(): Lane | undefined {
    return this.lanes[0];
  }

  push(lane: Lane): void {
    this.lanes.push(lane);
    this.up(this.lanes.length - 1);
  }

  pop(): void {
    const last = this.lanes.pop()!;
    if (this.lanes.length > 0) {
      this.lanes[0] = last;
      this.down(0);
    }
  }

  /** The top lane's head changed (it only gets older): restores the order. */
  replaceTop(lane: Lane): void {
    this.lanes[0] = lane;
    this.down(0);
  }

  private up(i: number): void {
    const { lanes } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (lanes[parent]!.head.id >= lanes[i]!.head.id) return;
      [lanes[parent], lanes[i]] = [lanes[i]!, lanes[parent]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const { lanes } = this;
    for (;;) {
      let top = i;
      for (const child of [2 * i + 1, 2 * i + 2]) {
        if (child < lanes.length && lanes[child]!.head.id > lanes[top]!.head.id) top = child;
      }
      if (top === i) return;
      [lanes[top], lanes[i]] = [lanes[i]!, lanes[top]!];
      i = top;
    }
  }
}

/**
 * A necessary condition for `matches`, cheap to test: the phrase occurs in
 * the normalised text, somewhere not glued to an ASCII letter or digit before
 * it when the phrase starts with one — a query word is the start of a word
 * of the text, so "meet" matches "meeting" but never "greet" or the "eting"
 * of "meeting", which are turned away here. (A CJK run starts in CJK and is
 * tested as a plain substring.)
 */
export function mayBeWord(normalised: string, phrase: string): boolean {
  const gluedStart = isAsciiWord(phrase.charCodeAt(0));
  for (let at = normalised.indexOf(phrase); at !== -1; at = normalised.indexOf(phrase, at + 1)) {
    if (gluedStart && at > 0 && isAsciiWord(normalised.charCodeAt(at - 1))) continue;
    return true;
  }
  return false;
}

/** a-z or 0-9 (the text is lower-cased). */
const isAsciiWord = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);

/** The message a change leads to, with its new rev; `current` is left as it was. */
function applyChange(current: StoredMessage, change: MessageChange, rev: string): StoredMessage {
  const next = copyStored(current);
  next.rev = rev;
  switch (change.kind) {
    case "edit":
      next.text = change.text;
      next.editedAt = change.at;
      break;
    case "delete":
      next.text = "";
      next.deletedAt = change.at;
      delete next.reactions;
      delete next.mentions;
      delete next.attachments;
      break;
    case "react": {
      // Emptied entries stay (hidden from clients), so an emoji keeps the place of its first use,
      // until the stored entries reach the limit and a new emoji comes.
      const drop = emptiedToDrop(current, change);
      if (drop.length > 0) next.reactions = next.reactions!.filter((r) => !drop.includes(r.emoji));
      const reactions = (next.reactions ??= []);
      const entry = reactions.find((r) => r.emoji === change.emoji);
      if (change.on) {
        if (!entry) reactions.push({ emoji: change.emoji, userIds: [change.userId] });
        else if (!entry.userIds.includes(change.userId)) entry.userIds.push(change.userId);
      } else if (entry) {
        entry.userIds = entry.userIds.filter((u) => u !== change.userId);
      }
      break;
    }
  }
  return next;
}

function bodyOf(m: StoredMessage): string {
  const { id: _id, channel: _channel, rev: _rev, key: _key, ...body } = m;
  return JSON.stringify(body satisfies Body);
}

/** A fresh object each time: callers never hold what the store keeps. */
function readMessage(row: Row): StoredMessage {
  const body = JSON.parse(text(row, "body")) as Body;
  return { ...body, id: text(row, "id"), channel: text(row, "channel"), rev: text(row, "rev"), key: text(row, "key") };
}

function candidate(row: Row): Candidate {
  const t: SQLOutputValue | undefined = row.text;
  return {
    seq: integer(row, "seq"),
    id: text(row, "id"),
    text: typeof t === "string" ? t : "",
    deleted: row.deleted === 1,
  };
}

/** At most `limit` of `rows` (which hold one more when more follow), as clients see them. */
function pageOf(rows: Row[], limit: number): Page {
  return { messages: rows.slice(0, limit).map((r) => toChatMessage(readMessage(r))), hasMore: rows.length > limit };
}
