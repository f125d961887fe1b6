/**
 * The accounts store: accounts (a claimed username on a userId), their
 * sessions, their passkeys, and WebAuthn challenges waiting for an answer.
 * Implementations: sqlite-account-store.ts and mongo-account-store.ts; both
 * pass test/helpers/account-store-contract.ts. It knows nothing of HTTP or
 * Socket.IO.
 */

export type AccountRecord = {
  userId: string;
  /** Lower-cased, unique. */
  username: string;
  /** The display name. */
  name: string;
  /** `nameKey(name)`: what display names are compared with usernames by. */
  nameKey: string;
  /** argon2id PHC string; null for an account that signs in with passkeys only. */
  passwordHash: string | null;
  createdAt: string;
};

export type SessionRecord = {
  id: string;
  userId: string;
  /** SHA-256 of the token's secret, base64url: the secret itself is never stored. */
  secretHash: string;
  /** A short description of the browser and system that signed in. */
  device: string;
  createdAt: string;
  lastSeen: string;
};

export type PasskeyRecord = {
  /** The credential id, base64url. */
  id: string;
  userId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  label: string;
  createdAt: string;
  lastUsed: string | null;
};

/** Why creating an account failed: the username, or the userId, is already an account. */
export type AccountConflict = "username" | "userId";

export interface AccountStore {
  /** Stores a new account; answers which uniqueness it would break instead, writing nothing. */
  createAccount(account: AccountRecord): Promise<AccountConflict | null>;
  /** Removes an account just created whose sign-in method could not be stored (its userId is a guest again). */
  deleteAccount(userId: string): Promise<void>;
  accountByUserId(userId: string): Promise<AccountRecord | undefined>;
  accountByUsername(username: string): Promise<AccountRecord | undefined>;
  /** Whether an account other than `exceptUserId` has a display name with this key. */
  nameKeyUsed(key: string, exceptUserId: string): Promise<boolean>;
  setName(userId: string, name: string, key: string): Promise<void>;
  setPasswordHash(userId: string, hash: string): Promise<void>;

  createSession(session: SessionRecord): Promise<void>;
  session(id: string): Promise<SessionRecord | undefined>;
  /** An account's sessions, most recently seen first. */
  sessions(userId: string): Promise<SessionRecord[]>;
  /** Moves a session's last-seen time forward (never back). */
  touchSession(id: string, seenAt: string): Promise<void>;
  /** Ends one session of an account; false when it is not one of that account's. */
  deleteSession(userId: string, id: string): Promise<boolean>;
  /** Ends every session of an account but `keep`; resolves with the ids ended. */
  deleteSessions(userId: string, keep?: string): Promise<string[]>;

  /** Stores a new passkey; false when that credential id is already stored. */
  addPasskey(passkey: PasskeyRecord): Promise<boolean>;
  passkey(id: string): Promise<PasskeyRecord | undefined>;
  /** An account's passkeys, oldest first. */
  passkeys(userId: string): Promise<PasskeyRecord[]>;
  /** Records a sign-in with a passkey: its new signature counter and when. */
  usePasskey(id: string, counter: number, usedAt: string): Promise<void>;
  /** Removes an account's passkey; false when it is not one of that account's. */
  deletePasskey(userId: string, id: string): Promise<boolean>;

  /** Keeps a challenge until `expiresAt` (ms since the epoch). */
  putChallenge(id: string, body: string, expiresAt: number): Promise<void>;
  /**
   * Removes a challenge and answers its body, once: a second take, or one
   * after it expired, answers undefined. Expired challenges are dropped.
   */
  takeChallenge(id: string, now: number): Promise<string | undefined>;
}
