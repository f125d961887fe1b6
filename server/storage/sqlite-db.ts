/**
 * What the three SQLite stores share: the one connection their Storage
 * opens, and how they write atomically on it.
 *
 * The stores are built with the Storage, before the database is open
 * (wrappers such as the metrics' instrumentStorage take hold of them then),
 * and prepare their statements when it opens. They read straight away and
 * write through `write`, which commits the writes of one event-loop turn
 * together. While the database is not open every call fails with
 * StorageClosedError (which the services answer as UNAVAILABLE) rather than
 * with a driver error about a finalized statement.
 */
import type { DatabaseSync, SQLOutputValue, StatementSync } from "node:sqlite";

export class StorageClosedError extends Error {
  override name = "StorageClosedError";
}

/** A row as node:sqlite returns it. */
export type Row = Record<string, SQLOutputValue>;

/** Named statements prepared once per opening of the database. */
export type Statements<K extends string> = Record<K, StatementSync>;

/** A write waiting for the next batch. */
type Job = { work: () => unknown; resolve: (value: unknown) => void; reject: (err: unknown) => void };

/**
 * Most writes one transaction takes: a flood of writes is committed in
 * slices, with other callbacks running in between, instead of holding the
 * event loop for one long transaction.
 */
export const BATCH_MAX = 256;

/**
 * Shortest time between two commits. An idle database commits a write at
 * once; a busy one gathers what arrives within this window into the next
 * commit, so that at a thousand messages a second a message does not pay a
 * whole commit (about 60 µs of CPU with its index pages) and the WAL grows
 * a few pages per commit rather than per message. It adds at most this much
 * to an ack while busy.
 */
export const COMMIT_INTERVAL_MS = 2;

export class SqliteConnection {
  private current: DatabaseSync | undefined;
  private sql: Statements<"begin" | "commit" | "rollback" | "totalChanges"> | undefined;
  private queue: Job[] = [];
  private scheduled = false;
  /** When the last batch was committed (performance.now()). */
  private lastCommit = -Infinity;

  /** Takes over an open database (the Storage configured it). */
  attach(db: DatabaseSync): void {
    this.current = db;
    this.sql = this.prepareAll({
      // IMMEDIATE takes the write lock up front, so a transaction that reads and
      // then writes never fails half-way with SQLITE_BUSY.
      begin: "BEGIN IMMEDIATE",
      commit: "COMMIT",
      rollback: "ROLLBACK",
      totalChanges: "SELECT total_changes() AS n",
    });
  }

  /** Commits the writes still queued, then lets go of the database (the Storage closes it). */
  detach(): void {
    while (this.queue.length > 0) this.flush();
    this.current = undefined;
  }

  get isOpen(): boolean {
    return this.current?.isOpen ?? false;
  }

  /** The open database; throws StorageClosedError when there is none. */
  get db(): DatabaseSync {
    const db = this.current;
    if (!db?.isOpen) throw new StorageClosedError("SQLite storage is not open");
    return db;
  }

  /** Prepares every statement of `sql` once, keyed as given. */
  prepareAll<K extends string>(sql: Record<K, string>): Statements<K> {
    const db = this.db;
    const out = {} as Statements<K>;
    for (const name of Object.keys(sql) as K[]) out[name] = db.prepare(sql[name]);
    return out;
  }

  /**
   * Runs `work` in one transaction now: all of it is written or none of it,
   * and whatever it throws is rethrown. For work outside the stores' hot
   * paths (the schema's migrations); the stores write through `write`.
   */
  transaction<T>(work: () => T): T {
    const db = this.db;
    if (db.isTransaction) throw new Error("SQLite transactions do not nest");
    this.sql!.begin.run();
    try {
      const out = work();
      this.sql!.commit.run();
      return out;
    } catch (err) {
      if (db.isTransaction) this.sql!.rollback.run();
      throw err;
    }
  }

  /**
   * Queues `work` for the next batch and resolves with what it returns once
   * its batch has committed, or rejects with what it threw (having written
   * nothing; the rest of the batch is unaffected).
   *
   * Why batches: a commit costs far more than the writes it commits — on a
   * WAL file about 300 µs for a message and its search entry, most of it the
   * commit's page writes — so the writes asked for within one event-loop
   * turn share one transaction, flushed by `setImmediate`, or, while commits
   * follow each other closely, COMMIT_INTERVAL_MS after the last one. They run in the order asked,
   * each seeing the writes before it: revs and rowids follow that order, and
   * a change queued after an insert finds the message.
   *
   * `work` must be synchronous (node:sqlite is); reads do not wait for
   * queued writes, so read after awaiting the write you depend on.
   */
  write<T>(work: () => T): Promise<T> {
    void this.db;
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  /** Flushes at the end of this turn, or once COMMIT_INTERVAL_MS have passed since the last commit. */
  private scheduleFlush(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush();
    };
    const wait = this.lastCommit + COMMIT_INTERVAL_MS - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  /**
   * Commits up to BATCH_MAX queued writes in one transaction; schedules the rest.
   *
   * No savepoint per write: FTS5 flushes its pending terms into a new segment
   * at every savepoint, which would cost as much as a commit per write.
   * Instead a write that throws must have written nothing — the stores check
   * before they write, and a failed statement undoes itself — and that is
   * verified: when one threw after writing, the whole batch is rolled back
   * and fails with its error, rather than committing half a write.
   */
  private flush(): void {
    const batch = this.queue.splice(0, BATCH_MAX);
    if (batch.length === 0) return;
    const settle: (() => void)[] = [];
    try {
      const db = this.db;
      const sql = this.sql!;
      sql.begin.run();
      try {
        for (const job of batch) {
          const before = this.totalChanges();
          try {
            const value = job.work();
            settle.push(() => job.resolve(value));
          } catch (err) {
            if (this.totalChanges() !== before) throw err;
            settle.push(() => job.reject(err));
          }
        }
        sql.commit.run();
        this.lastCommit = performance.now();
      } catch (err) {
        if (db.isTransaction) sql.rollback.run();
        throw err;
      }
    } catch (err) {
      // Not committed (closed, disk full, I/O error, a write that failed half-way): none of the batch was written.
      for (const job of batch) job.reject(err);
      return;
    } finally {
      if (this.queue.length > 0) this.scheduleFlush();
    }
    for (const done of settle) done();
  }

  private totalChanges(): number {
    return integer(this.sql!.totalChanges.get()!, "n");
  }
}

/**
 * A store's statements, prepared anew each time the database opens. Reading
 * them checks first that the database is open: after close they are
 * finalized, and a call then fails with StorageClosedError instead.
 */
export class PreparedStatements<K extends string> {
  private prepared: Statements<K> | undefined;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly sql: Record<K, string>,
  ) {}

  /** Prepares every statement on the freshly opened database. */
  prepare(): Statements<K> {
    return (this.prepared = this.conn.prepareAll(this.sql));
  }

  /** The prepared statements; throws StorageClosedError while the database is closed. */
  get statements(): Statements<K> {
    void this.conn.db;
    return this.prepared!;
  }
}

/** A TEXT column's value (node:sqlite returns strings for TEXT). */
export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw new TypeError(`column ${column}: expected text, got ${typeof value}`);
  return value;
}

/** An INTEGER column's value as a number (rowids stay far below 2^53). */
export function integer(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== "number" && typeof value !== "bigint") {
    throw new TypeError(`column ${column}: expected an integer, got ${typeof value}`);
  }
  return Number(value);
}
