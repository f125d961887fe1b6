/**
 * The SQLite RoomStore: one row per created room. The rowid `seq` is the
 * creation order, and the unique name makes a repeated or racing `add` a
 * no-op.
 */
import { PreparedStatements, text, type SqliteConnection } from "../storage/sqlite-db.js";
import type { RoomStore } from "./room-store.js";

/** Every statement of the store; exported for the query-plan test. */
export const ROOM_SQL = {
  add: "INSERT INTO rooms (name) VALUES (?) ON CONFLICT (name) DO NOTHING",
  // A full scan, on purpose: every room is wanted, and there are few.
  list: "SELECT name FROM rooms ORDER BY seq",
} as const;

export class SqliteRoomStore implements RoomStore {
  private readonly sql: PreparedStatements<keyof typeof ROOM_SQL>;

  constructor(private readonly conn: SqliteConnection) {
    this.sql = new PreparedStatements(conn, ROOM_SQL);
  }

  /** Prepares the statements on the freshly opened database. */
  open(): void {
    this.sql.prepare();
  }

  private get s() {
    return this.sql.statements;
  }

  async add(name: string): Promise<void> {
    const s = this.s;
    await this.conn.write(() => s.add.run(name));
  }

  async list(): Promise<string[]> {
    return this.s.list.all().map((r) => text(r, "name"));
  }
}
