/**
 * Accounts: claiming a username (from scratch or as the guest one already
 * is), signing in with a password, sessions and what a signed-in person
 * can change. Passkeys are passkey-service.ts's, on the sessions made here.
 * Knows nothing of HTTP or sockets: what must reach sockets (a session that
 * ended) goes through `endSockets`.
 *
 * A session is a stored row; its token (`a.<id>.<secret>`) is handed out
 * once. Ending a session deletes the row, so its token and cookie stop
 * working at once on every node, and `endSockets` disconnects what is open.
 */
import { randomBytes } from "node:crypto";
import { nameKey, nameProblem, PASSWORD_LIMITS, USERNAME_PATTERN, usernameLookalike, usernameProblem } from "../names.js";
import type { PeopleStore } from "../people/people-store.js";
import type { Limiter } from "../storage/limiter.js";
import { storageCall } from "../storage/storage-call.js";
import { AccountError, WRONG_CREDENTIALS } from "./account-error.js";
import type { AuthMethod, AuthResult } from "./auth-outcomes.js";
import type { AccountRecord, AccountStore, PasskeyRecord, SessionRecord } from "./account-store.js";
import type { FailureCounter } from "./failure-counter.js";
import { checkPassword, hashPassword } from "./passwords.js";
import { newSessionToken, parseSessionToken, secretMatches } from "./session-tokens.js";

/** Failed sign-ins allowed per username, and per address, within FAILURE_WINDOW_MS; the next attempt gets 429. */
export const FAILURES_PER_USERNAME = 5;
export const FAILURES_PER_ADDRESS = 20;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** Accounts one address may create within SIGNUP_WINDOW_MS. */
export const SIGNUPS_PER_ADDRESS = 20;
export const SIGNUP_WINDOW_MS = 60 * 60 * 1000;
/** A session's last-seen time is written at most this often. */
const TOUCH_EVERY_MS = 60 * 1000;

/** Who is signed in, and by which session. */
export type SignedIn = { userId: string; username: string; name: string; sessionId: string };
/** What a route that signs someone in answers (and the token, once). */
export type Issued = SignedIn & { token: string };

export type Passkey = { id: string; label: string; createdAt: string; lastUsedAt?: string };
export type SessionInfo = { id: string; device: string; createdAt: string; lastSeenAt: string; current: boolean };

/** Where a request comes from: its address (for limits) and a description of its device. */
export type Origin = { address: string; device: string };

/** Which sockets to disconnect: those of some sessions, or every one of a person. */
export type SocketsToEnd = { sessionIds: readonly string[] } | { userId: string };

export type AccountServiceDeps = {
  store: AccountStore;
  /** To record an account's name where messages are addressed from. */
  people: PeopleStore;
  limiter: Limiter;
  /** Failed sign-ins, per username and per address, in FAILURE_WINDOW_MS windows. */
  failures: FailureCounter;
  /** Accounts created, per address, in SIGNUP_WINDOW_MS windows. */
  signups: FailureCounter;
  /** Disconnects sockets of sessions that ended, on every node. */
  endSockets: (which: SocketsToEnd) => void;
  /** Counts `chat_auth_total{method,result}`. */
  count: (method: AuthMethod, result: AuthResult) => void;
  now?: () => number;
};

export const publicPasskey = (p: PasskeyRecord): Passkey => ({
  id: p.id,
  label: p.label,
  createdAt: p.createdAt,
  ...(p.lastUsed ? { lastUsedAt: p.lastUsed } : {}),
});

export class AccountService {
  private readonly now: () => number;

  constructor(private readonly deps: AccountServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A storage call within the shared bound; failures become UNAVAILABLE (503). */
  call<T>(fn: (store: AccountStore) => Promise<T>): Promise<T> {
    return storageCall(this.deps.limiter, () => fn(this.deps.store)).catch((err: unknown) => {
      if (err instanceof AccountError) throw err;
      throw new AccountError("UNAVAILABLE", "storage is unavailable, try again");
    });
  }

  count(method: AuthMethod, result: AuthResult): void {
    this.deps.count(method, result);
  }

  // ---- names -------------------------------------------------------------

  /** Checks a username (shape, free); resolves with it lower-cased. */
  async claimable(username: unknown, forUserId: string): Promise<string> {
    if (typeof username !== "string") throw new AccountError("INVALID_INPUT", "username: must be a string");
    const problem = usernameProblem(username);
    if (problem) throw new AccountError("INVALID_INPUT", `username: ${problem}`);
    const lower = username.toLowerCase();
    const [taken, shown] = await Promise.all([
      this.call((s) => s.accountByUsername(lower)),
      // Another account already shows this as its display name: claiming it would make them look alike.
      this.call((s) => s.nameKeyUsed(lower, forUserId)),
    ]);
    if (taken || shown) throw new AccountError("USERNAME_TAKEN", "that username is taken");
    return lower;
  }

  /** Checks a display name for an account (v1 rules, not another account's username); resolves with it trimmed. */
  async displayName(name: unknown, username: string, userId: string): Promise<string> {
    if (name === undefined) return username;
    if (typeof name !== "string") throw new AccountError("INVALID_INPUT", "name: must be a string");
    const trimmed = name.trim();
    const problem = nameProblem(trimmed);
    if (problem) throw new AccountError("INVALID_INPUT", `name: ${problem}`);
    const lookalike = usernameLookalike(trimmed);
    if (lookalike !== undefined && lookalike !== username) {
      const owner = await this.call((s) => s.accountByUsername(lookalike));
      if (owner && owner.userId !== userId) throw new AccountError("NAME_TAKEN", "that name is another account's username");
    }
    return trimmed;
  }

  /** Whether a guest may use `name`: false when it passes for a claimed username. */
  async guestMayUse(name: string): Promise<boolean> {
    const lookalike = usernameLookalike(name);
    if (lookalike === undefined) return true;
    return (await this.call((s) => s.accountByUsername(lookalike))) === undefined;
  }

  /** Whether a userId belongs to an account (its guest token is no longer good). */
  async isAccount(userId: string): Promise<boolean> {
    return (await this.call((s) => s.accountByUserId(userId))) !== undefined;
  }

  // ---- sign up, sign in, sessions -----------------------------------------

  /**
   * Creates an account with a password, from the guest `guestUserId` when
   * given (same userId: history and conversations stay), and signs it in.
   */
  async signUp(input: { username: unknown; password: unknown; name?: unknown }, guestUserId: string | undefined, from: Origin): Promise<Issued> {
    const userId = guestUserId ?? newUserId();
    await this.checkSignupLimit(from.address, "password");
    const password = checkNewPassword(input.password);
    const username = await this.claimable(input.username, userId);
    const name = await this.displayName(input.name, username, userId);
    const issued = await this.create({ userId, username, name, passwordHash: await hashPassword(password) }, from);
    this.count("password", "signed_up");
    return issued;
  }

  /** Counts an account made by `from`'s address; 429 past SIGNUPS_PER_ADDRESS an hour. */
  async checkSignupLimit(address: string, method: AuthMethod): Promise<void> {
    const [made] = await this.deps.signups.get([`signup:${address}`]);
    if (made && made.count >= SIGNUPS_PER_ADDRESS) {
      this.count(method, "rate_limited");
      throw new AccountError("RATE_LIMITED", "too many new accounts from this address", Math.ceil(made.resetsInMs / 1000));
    }
  }

  /**
   * Stores a new account (already checked) and its first session.
   * `before` stores its first way to sign in other than a password (a
   * passkey); when that fails the account is removed again — a guest stays a
   * guest, and the username stays free — and its error is thrown.
   */
  async create(
    account: { userId: string; username: string; name: string; passwordHash: string | null },
    from: Origin,
    before: () => Promise<void> = async () => {},
  ): Promise<Issued> {
    const record: AccountRecord = { ...account, nameKey: nameKey(account.name), createdAt: new Date(this.now()).toISOString() };
    const conflict = await this.call((s) => s.createAccount(record));
    if (conflict === "username") throw new AccountError("USERNAME_TAKEN", "that username is taken");
    // That guest became an account a moment ago (another tab): its token is no longer good.
    if (conflict === "userId") throw new AccountError("UNAUTHORIZED", "this guest identity is already an account; sign in");
    try {
      await before();
    } catch (err) {
      await this.call((s) => s.deleteAccount(account.userId));
      throw err;
    }
    await this.deps.signups.add([`signup:${from.address}`]);
    // Messages to this person are addressed by the name recorded for them.
    await this.call(() => this.deps.people.upsertUser(account.userId, account.name, new Date(this.now()), account.username));
    return this.startSession(record, from);
  }

  /** Signs in with a username and a password. */
  async signIn(input: { username: unknown; password: unknown }, from: Origin): Promise<Issued> {
    if (typeof input.username !== "string" || typeof input.password !== "string" || input.username.length > 200 || input.password.length > 2 * PASSWORD_LIMITS.max) {
      throw new AccountError("INVALID_INPUT", "username and password: must be strings");
    }
    const username = input.username.toLowerCase();
    await this.checkFailures(username, from.address, "password");
    // Only what has a username's shape is looked up (lower-casing maps some other letters, like the Kelvin sign, to ASCII).
    const account = USERNAME_PATTERN.test(input.username) ? await this.call((s) => s.accountByUsername(username)) : undefined;
    // Verified against a decoy hash when there is no account: a failure takes as long either way.
    if (!(await checkPassword(account?.passwordHash ?? null, input.password)) || !account) {
      await this.failed(username, from.address, "password");
    }
    this.count("password", "signed_in");
    return this.startSession(account!, from);
  }

  /** 429 when the username or the address has failed too often lately. */
  async checkFailures(username: string | undefined, address: string, method: AuthMethod): Promise<void> {
    const keys = [`addr:${address}`, ...(username === undefined ? [] : [`user:${username}`])];
    const [byAddress, byUser] = await this.deps.failures.get(keys);
    const over = [byAddress!.count >= FAILURES_PER_ADDRESS ? byAddress! : undefined, byUser && byUser.count >= FAILURES_PER_USERNAME ? byUser : undefined];
    const wait = Math.max(0, ...over.map((c) => c?.resetsInMs ?? 0));
    if (over.some((c) => c !== undefined)) {
      this.count(method, "rate_limited");
      throw new AccountError("RATE_LIMITED", "too many failed attempts; try again later", Math.max(1, Math.ceil(wait / 1000)));
    }
  }

  /** Counts a failure and answers 401. */
  async failed(username: string | undefined, address: string, method: AuthMethod): Promise<never> {
    await this.deps.failures.add([`addr:${address}`, ...(username === undefined ? [] : [`user:${username}`])]);
    this.count(method, "failed");
    throw new AccountError("UNAUTHORIZED", WRONG_CREDENTIALS);
  }

  /** A new session for an account. */
  async startSession(account: AccountRecord, from: Origin): Promise<Issued> {
    const { id, token, secretHash } = newSessionToken();
    const at = new Date(this.now()).toISOString();
    const session: SessionRecord = { id, userId: account.userId, secretHash, device: from.device, createdAt: at, lastSeen: at };
    await this.call((s) => s.createSession(session));
    return { userId: account.userId, username: account.username, name: account.name, sessionId: id, token };
  }

  /** Who an account token signs in, or null when it is malformed, forged or its session ended. */
  async resolve(token: string): Promise<SignedIn | null> {
    const parsed = parseSessionToken(token);
    if (!parsed) return null;
    const session = await this.call((s) => s.session(parsed.id));
    if (!session || !secretMatches(parsed.secret, session.secretHash)) return null;
    const account = await this.call((s) => s.accountByUserId(session.userId));
    if (!account) return null;
    const now = this.now();
    if (now - Date.parse(session.lastSeen) > TOUCH_EVERY_MS) {
      // Best effort: a last-seen time a minute old is no reason to refuse anyone.
      void this.call((s) => s.touchSession(session.id, new Date(now).toISOString())).catch(() => {});
    }
    return { userId: account.userId, username: account.username, name: account.name, sessionId: session.id };
  }

  /** Ends one session (this device's sign-out); disconnects its sockets. */
  async signOut(who: SignedIn): Promise<void> {
    await this.endSession(who.userId, who.sessionId);
  }

  /** Ends one of an account's sessions; false when it is not one of them. */
  async endSession(userId: string, sessionId: string): Promise<boolean> {
    const ended = await this.call((s) => s.deleteSession(userId, sessionId));
    if (ended) this.deps.endSockets({ sessionIds: [sessionId] });
    return ended;
  }

  /** Ends every session of an account, and disconnects every socket of that person. */
  async signOutEverywhere(userId: string): Promise<void> {
    await this.call((s) => s.deleteSessions(userId));
    this.deps.endSockets({ userId });
  }

  async sessions(who: SignedIn): Promise<SessionInfo[]> {
    const sessions = await this.call((s) => s.sessions(who.userId));
    return sessions.map((s) => ({
      id: s.id,
      device: s.device,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeen,
      current: s.id === who.sessionId,
    }));
  }

  // ---- what a signed-in person changes ---------------------------------------

  async account(who: SignedIn): Promise<{ userId: string; username: string; name: string; hasPassword: boolean; passkeys: Passkey[] }> {
    const [account, passkeys] = await Promise.all([
      this.call((s) => s.accountByUserId(who.userId)),
      this.call((s) => s.passkeys(who.userId)),
    ]);
    if (!account) throw new AccountError("UNAUTHORIZED", "not signed in");
    return {
      userId: account.userId,
      username: account.username,
      name: account.name,
      hasPassword: account.passwordHash !== null,
      passkeys: passkeys.map(publicPasskey),
    };
  }

  async rename(who: SignedIn, name: unknown): Promise<{ userId: string; username: string; name: string }> {
    if (name === undefined) throw new AccountError("INVALID_INPUT", "name: required");
    const shown = await this.displayName(name, who.username, who.userId);
    await this.call((s) => s.setName(who.userId, shown, nameKey(shown)));
    await this.call(() => this.deps.people.upsertUser(who.userId, shown, new Date(this.now()), who.username));
    return { userId: who.userId, username: who.username, name: shown };
  }

  /**
   * Sets a new password: the current one is required when there is one
   * (a wrong one counts as a failed sign-in). Every other session ends.
   */
  async changePassword(who: SignedIn, input: { current?: unknown; password: unknown }, from: Origin): Promise<void> {
    const password = checkNewPassword(input.password);
    const account = await this.call((s) => s.accountByUserId(who.userId));
    if (!account) throw new AccountError("UNAUTHORIZED", "not signed in");
    if (account.passwordHash !== null) {
      if (typeof input.current !== "string") throw new AccountError("INVALID_INPUT", "current: the current password is required");
      await this.checkFailures(account.username, from.address, "password");
      if (!(await checkPassword(account.passwordHash, input.current))) {
        await this.deps.failures.add([`addr:${from.address}`, `user:${account.username}`]);
        this.count("password", "failed");
        throw new AccountError("FORBIDDEN", "the current password is wrong");
      }
    }
    await this.call(async (s) => s.setPasswordHash(who.userId, await hashPassword(password)));
    const ended = await this.call((s) => s.deleteSessions(who.userId, who.sessionId));
    if (ended.length > 0) this.deps.endSockets({ sessionIds: ended });
  }

  async passkeys(who: SignedIn): Promise<Passkey[]> {
    return (await this.call((s) => s.passkeys(who.userId))).map(publicPasskey);
  }

  /** Removes a passkey, unless it is the account's only way to sign in. */
  async removePasskey(who: SignedIn, id: string): Promise<void> {
    const [account, passkeys] = await Promise.all([
      this.call((s) => s.accountByUserId(who.userId)),
      this.call((s) => s.passkeys(who.userId)),
    ]);
    if (!passkeys.some((p) => p.id === id)) throw new AccountError("NOT_FOUND", "no such passkey");
    if (account?.passwordHash === null && passkeys.length === 1) {
      throw new AccountError("LAST_SIGN_IN_METHOD", "this is the only way to sign in to this account: add a password or another passkey first");
    }
    if (!(await this.call((s) => s.deletePasskey(who.userId, id)))) throw new AccountError("NOT_FOUND", "no such passkey");
  }
}

/** A userId for a new person: the shape guest tokens carry (16 base64url characters). */
export function newUserId(): string {
  return randomBytes(12).toString("base64url");
}

function checkNewPassword(password: unknown): string {
  if (typeof password !== "string") throw new AccountError("INVALID_INPUT", "password: must be a string");
  const n = [...password].length;
  if (n < PASSWORD_LIMITS.min || n > PASSWORD_LIMITS.max) {
    throw new AccountError("INVALID_INPUT", `password: must be ${PASSWORD_LIMITS.min}-${PASSWORD_LIMITS.max} characters`);
  }
  return password;
}
