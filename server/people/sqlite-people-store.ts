/**
 * The SQLite PeopleStore. Each write is one upsert whose conflict clause
 * keeps the greatest value (`max(...)`), so a last-seen time, a
 * conversation's newest message and a read marker only ever move forward,
 * whatever order retries and races arrive in.
 */
import { PreparedStatements, text, type Row, type SqliteConnection } from "../storage/sqlite-db.js";
import type { ConversationRef, KnownUser, PeopleStore } from "./people-store.js";

/** Every statement of the store; exported for the query-plan test. */
export const PEOPLE_SQL = {
  upsertUser:
    "INSERT INTO users (user_id, name, last_seen, account) VALUES (?, ?, ?, ?) " +
    "ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, last_seen = max(last_seen, excluded.last_seen), " +
    "account = coalesce(excluded.account, account)",
  findUsers: "SELECT user_id, name, last_seen, account FROM users WHERE user_id IN (SELECT value FROM json_each(?))",
  // The channel is the one first noted: a conversation's channel never changes.
  noteConversation:
    "INSERT INTO conversations (owner, peer, channel, last_id) VALUES (?, ?, ?, ?) " +
    "ON CONFLICT (owner, peer) DO UPDATE SET last_id = max(last_id, excluded.last_id)",
  conversations: "SELECT peer, channel, last_id FROM conversations WHERE owner = ? ORDER BY last_id DESC LIMIT ?",
  setRead:
    "INSERT INTO read_markers (user_id, channel, up_to) VALUES (?, ?, ?) " +
    "ON CONFLICT (user_id, channel) DO UPDATE SET up_to = max(up_to, excluded.up_to) RETURNING up_to",
  readMarkers:
    "SELECT channel, up_to FROM read_markers WHERE user_id = ? AND channel IN (SELECT value FROM json_each(?))",
} as const;

export class SqlitePeopleStore implements PeopleStore {
  private readonly sql: PreparedStatements<keyof typeof PEOPLE_SQL>;

  constructor(private readonly conn: SqliteConnection) {
    this.sql = new PreparedStatements(conn, PEOPLE_SQL);
  }

  /** Prepares the statements on the freshly opened database. */
  open(): void {
    this.sql.prepare();
  }

  private get s() {
    return this.sql.statements;
  }

  async upsertUser(userId: string, name: string, seenAt: Date, account?: string): Promise<void> {
    // ISO 8601 in UTC sorts as text in time order, so max() on text is max() on time.
    const s = this.s;
    await this.conn.write(() => s.upsertUser.run(userId, name, seenAt.toISOString(), account ?? null));
  }

  async findUsers(userIds: readonly string[]): Promise<KnownUser[]> {
    if (userIds.length === 0) return [];
    return this.s.findUsers.all(JSON.stringify(userIds)).map((r: Row): KnownUser => {
      const user: KnownUser = { userId: text(r, "user_id"), name: text(r, "name"), lastSeen: text(r, "last_seen") };
      if (typeof r.account === "string") user.account = r.account;
      return user;
    });
  }

  async noteConversation(a: string, b: string, channel: string, id: string): Promise<void> {
    const s = this.s;
    // Both sides or neither: a person never lists a conversation the other side lacks.
    await this.conn.write(() => {
      s.noteConversation.run(a, b, channel, id);
      s.noteConversation.run(b, a, channel, id);
    });
  }

  async conversations(userId: string, limit: number): Promise<ConversationRef[]> {
    return this.s.conversations.all(userId, limit).map((r) => ({
      peerId: text(r, "peer"),
      channel: text(r, "channel"),
      lastId: text(r, "last_id"),
    }));
  }

  async setRead(userId: string, channel: string, upTo: string): Promise<string> {
    const s = this.s;
    return this.conn.write(() => {
      const row = s.setRead.get(userId, channel, upTo);
      return row ? text(row, "up_to") : upTo;
    });
  }

  async readMarkers(userId: string, channels: readonly string[]): Promise<Map<string, string>> {
    if (channels.length === 0) return new Map();
    const rows = this.s.readMarkers.all(userId, JSON.stringify(channels));
    return new Map(rows.map((r) => [text(r, "channel"), text(r, "up_to")]));
  }
}
