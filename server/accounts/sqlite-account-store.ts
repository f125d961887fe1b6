/**
 * The SQLite AccountStore. Uniqueness (usernames, userIds, credential ids)
 * is the tables' keys', so two sign-ups racing for one username cannot both
 * win; the store checks first only to say which one was taken.
 */
import { integer, PreparedStatements, text, type Row, type SqliteConnection } from "../storage/sqlite-db.js";
import type { AccountConflict, AccountRecord, AccountStore, PasskeyRecord, SessionRecord } from "./account-store.js";

/** Every statement of the store; exported for the query-plan test. */
export const ACCOUNT_SQL = {
  insertAccount:
    "INSERT INTO accounts (user_id, username, name, name_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?) " +
    "ON CONFLICT DO NOTHING",
  deleteAccount: "DELETE FROM accounts WHERE user_id = ?",
  accountByUserId: "SELECT * FROM accounts WHERE user_id = ?",
  accountByUsername: "SELECT * FROM accounts WHERE username = ?",
  nameKeyUsed: "SELECT 1 AS used FROM accounts WHERE name_key = ? AND user_id <> ? LIMIT 1",
  setName: "UPDATE accounts SET name = ?, name_key = ? WHERE user_id = ?",
  setPasswordHash: "UPDATE accounts SET password_hash = ? WHERE user_id = ?",
  insertSession:
    "INSERT INTO sessions (id, user_id, secret_hash, device, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
  session: "SELECT * FROM sessions WHERE id = ?",
  sessions: "SELECT * FROM sessions WHERE user_id = ? ORDER BY last_seen DESC",
  touchSession: "UPDATE sessions SET last_seen = max(last_seen, ?) WHERE id = ?",
  deleteSession: "DELETE FROM sessions WHERE id = ? AND user_id = ?",
  deleteSessions: "DELETE FROM sessions WHERE user_id = ? AND id <> ? RETURNING id",
  insertPasskey:
    "INSERT INTO passkeys (id, user_id, public_key, counter, transports, label, created_at, last_used) " +
    "VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING",
  passkey: "SELECT * FROM passkeys WHERE id = ?",
  passkeys: "SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, id",
  usePasskey: "UPDATE passkeys SET counter = max(counter, ?), last_used = ? WHERE id = ?",
  deletePasskey: "DELETE FROM passkeys WHERE id = ? AND user_id = ?",
  putChallenge: "INSERT OR REPLACE INTO auth_challenges (id, body, expires_at) VALUES (?, ?, ?)",
  takeChallenge: "DELETE FROM auth_challenges WHERE id = ? RETURNING body, expires_at",
  dropExpired: "DELETE FROM auth_challenges WHERE expires_at <= ?",
} as const;

function account(r: Row): AccountRecord {
  const hash = r.password_hash;
  return {
    userId: text(r, "user_id"),
    username: text(r, "username"),
    name: text(r, "name"),
    nameKey: text(r, "name_key"),
    passwordHash: typeof hash === "string" ? hash : null,
    createdAt: text(r, "created_at"),
  };
}

function session(r: Row): SessionRecord {
  return {
    id: text(r, "id"),
    userId: text(r, "user_id"),
    secretHash: text(r, "secret_hash"),
    device: text(r, "device"),
    createdAt: text(r, "created_at"),
    lastSeen: text(r, "last_seen"),
  };
}

function passkey(r: Row): PasskeyRecord {
  const key = r.public_key;
  if (!(key instanceof Uint8Array)) throw new TypeError("column public_key: expected a blob");
  const used = r.last_used;
  return {
    id: text(r, "id"),
    userId: text(r, "user_id"),
    publicKey: key,
    counter: integer(r, "counter"),
    transports: JSON.parse(text(r, "transports")) as string[],
    label: text(r, "label"),
    createdAt: text(r, "created_at"),
    lastUsed: typeof used === "string" ? used : null,
  };
}

export class SqliteAccountStore implements AccountStore {
  private readonly sql: PreparedStatements<keyof typeof ACCOUNT_SQL>;

  constructor(private readonly conn: SqliteConnection) {
    this.sql = new PreparedStatements(conn, ACCOUNT_SQL);
  }

  /** Prepares the statements on the freshly opened database. */
  open(): void {
    this.sql.prepare();
  }

  private get s() {
    return this.sql.statements;
  }

  async createAccount(a: AccountRecord): Promise<AccountConflict | null> {
    const s = this.s;
    return this.conn.write(() => {
      const inserted = s.insertAccount.run(a.userId, a.username, a.name, a.nameKey, a.passwordHash, a.createdAt).changes > 0;
      if (inserted) return null;
      return s.accountByUserId.get(a.userId) ? "userId" : "username";
    });
  }

  async deleteAccount(userId: string): Promise<void> {
    const s = this.s;
    await this.conn.write(() => s.deleteAccount.run(userId));
  }

  async accountByUserId(userId: string): Promise<AccountRecord | undefined> {
    const row = this.s.accountByUserId.get(userId);
    return row ? account(row) : undefined;
  }

  async accountByUsername(username: string): Promise<AccountRecord | undefined> {
    const row = this.s.accountByUsername.get(username);
    return row ? account(row) : undefined;
  }

  async nameKeyUsed(key: string, exceptUserId: string): Promise<boolean> {
    return this.s.nameKeyUsed.get(key, exceptUserId) !== undefined;
  }

  async setName(userId: string, name: string, key: string): Promise<void> {
    const s = this.s;
    await this.conn.write(() => s.setName.run(name, key, userId));
  }

  async setPasswordHash(userId: string, hash: string): Promise<void> {
    const s = this.s;
    await this.conn.write(() => s.setPasswordHash.run(hash, userId));
  }

  async createSession(x: SessionRecord): Promise<void> {
    const s = this.s;
    await this.conn.write(() => s.insertSession.run(x.id, x.userId, x.secretHash, x.device, x.createdAt, x.lastSeen));
  }

  async session(id: string): Promise<SessionRecord | undefined> {
    const row = this.s.session.get(id);
    return row ? session(row) : undefined;
  }

  async sessions(userId: string): Promise<SessionRecord[]> {
    return this.s.sessions.all(userId).map(session);
  }

  async touchSession(id: string, seenAt: string): Promise<void> {
    const s = this.s;
    await this.conn.write(() => s.touchSession.run(seenAt, id));
  }

  async deleteSession(userId: string, id: string): Promise<boolean> {
    const s = this.s;
    return this.conn.write(() => s.deleteSession.run(id, userId).changes > 0);
  }

  async deleteSessions(userId: string, keep = ""): Promise<string[]> {
    const s = this.s;
    return this.conn.write(() => s.deleteSessions.all(userId, keep).map((r) => text(r, "id")));
  }

  async addPasskey(p: PasskeyRecord): Promise<boolean> {
    const s = this.s;
    return this.conn.write(
      () =>
        s.insertPasskey.run(p.id, p.userId, p.publicKey, p.counter, JSON.stringify(p.transports), p.label, p.createdAt).changes > 0,
    );
  }

  async passkey(id: string): Promise<PasskeyRecord | undefined> {
    const row = this.s.passkey.get(id);
    return row ? passkey(row) : undefined;
  }

  async passkeys(userId: string): Promise<PasskeyRecord[]> {
    return this.s.passkeys.all(userId).map(passkey);
  }

  async usePasskey(id: string, counter: number, usedAt: string): Promise<void> {
    const s = this.s;
    await this.conn.write(() => s.usePasskey.run(counter, usedAt, id));
  }

  async deletePasskey(userId: string, id: string): Promise<boolean> {
    const s = this.s;
    return this.conn.write(() => s.deletePasskey.run(id, userId).changes > 0);
  }

  async putChallenge(id: string, body: string, expiresAt: number): Promise<void> {
    const s = this.s;
    await this.conn.write(() => s.putChallenge.run(id, body, expiresAt));
  }

  async takeChallenge(id: string, now: number): Promise<string | undefined> {
    const s = this.s;
    return this.conn.write(() => {
      s.dropExpired.run(now);
      const row = s.takeChallenge.get(id);
      return row && integer(row, "expires_at") > now ? text(row, "body") : undefined;
    });
  }
}
