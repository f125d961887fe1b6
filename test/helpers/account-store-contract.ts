/**
 * The behaviour every AccountStore must have: accounts with unique
 * usernames and userIds, sessions, passkeys and single-use challenges. Run
 * against each backend with `describeAccountStoreContract(name, makeStorage)`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountRecord, AccountStore, PasskeyRecord, SessionRecord } from "../../server/accounts/account-store.js";
import type { Storage } from "../../server/storage/storage.js";

const account = (userId: string, username: string, over: Partial<AccountRecord> = {}): AccountRecord => ({
  userId,
  username,
  name: username,
  nameKey: username,
  passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
  createdAt: "2026-12-01T10:00:00.000Z",
  ...over,
});

const session = (id: string, userId: string, lastSeen: string): SessionRecord => ({
  id,
  userId,
  secretHash: `hash-of-${id}`,
  device: "Chrome on Linux",
  createdAt: "2026-12-01T10:00:00.000Z",
  lastSeen,
});

const passkey = (id: string, userId: string, createdAt: string): PasskeyRecord => ({
  id,
  userId,
  publicKey: new Uint8Array([1, 2, 3, 250, 0, 7]),
  counter: 0,
  transports: ["internal", "hybrid"],
  label: "Chrome on Linux",
  createdAt,
  lastUsed: null,
});

export function describeAccountStoreContract(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name} account store contract`, () => {
    let storage: Storage;
    let store: AccountStore;

    beforeEach(async () => {
      storage = await makeStorage();
      await storage.init();
      store = storage.accounts;
    });
    afterEach(async () => {
      await storage.close();
    });

    it("when an account is created, then it is found by userId and by username, and a second claim of either is refused without writing", async () => {
      expect(await store.createAccount(account("u1", "teacher"))).toBeNull();
      expect(await store.accountByUserId("u1")).toEqual(account("u1", "teacher"));
      expect(await store.accountByUsername("teacher")).toEqual(account("u1", "teacher"));
      expect(await store.createAccount(account("u2", "teacher"))).toBe("username");
      expect(await store.createAccount(account("u1", "other"))).toBe("userId");
      expect(await store.accountByUserId("u2")).toBeUndefined();
      expect(await store.accountByUsername("other")).toBeUndefined();
    });

    it("when an account is removed again, then its username and userId are free", async () => {
      await store.createAccount(account("u1", "teacher"));
      await store.deleteAccount("u1");
      expect(await store.accountByUserId("u1")).toBeUndefined();
      expect(await store.createAccount(account("u1", "teacher"))).toBeNull();
    });

    it("when two accounts claim one username at once, then exactly one gets it", async () => {
      const results = await Promise.all([store.createAccount(account("u1", "same")), store.createAccount(account("u2", "same"))]);
      expect(results.filter((r) => r === null)).toHaveLength(1);
      expect(results.filter((r) => r === "username")).toHaveLength(1);
    });

    it("when an account has no password, then it says so; setting one and a new name are stored", async () => {
      await store.createAccount(account("u1", "kid", { passwordHash: null }));
      expect((await store.accountByUserId("u1"))!.passwordHash).toBeNull();
      await store.setPasswordHash("u1", "$argon2id$new");
      await store.setName("u1", "Kid Li", "kid li");
      expect(await store.accountByUserId("u1")).toMatchObject({ passwordHash: "$argon2id$new", name: "Kid Li", nameKey: "kid li" });
    });

    it("when another account shows a name, then that name's key is used, but not by the account itself", async () => {
      await store.createAccount(account("u1", "alice", { name: "Bob", nameKey: "bob" }));
      expect(await store.nameKeyUsed("bob", "u2")).toBe(true);
      expect(await store.nameKeyUsed("bob", "u1")).toBe(false);
      expect(await store.nameKeyUsed("carol", "u2")).toBe(false);
    });

    it("when sessions are stored, then they list most recently seen first, move forward only, and end one, all but one, or all", async () => {
      await store.createSession(session("s1", "u1", "2026-12-01T10:00:00.000Z"));
      await store.createSession(session("s2", "u1", "2026-12-02T10:00:00.000Z"));
      await store.createSession(session("s3", "u1", "2026-12-03T10:00:00.000Z"));
      await store.createSession(session("x1", "u2", "2026-12-04T10:00:00.000Z"));
      await store.touchSession("s1", "2026-12-05T10:00:00.000Z");
      await store.touchSession("s2", "2026-11-01T10:00:00.000Z");
      expect((await store.sessions("u1")).map((s) => s.id)).toEqual(["s1", "s3", "s2"]);
      expect(await store.session("s1")).toEqual(session("s1", "u1", "2026-12-05T10:00:00.000Z"));

      expect(await store.deleteSession("u2", "s1")).toBe(false);
      expect(await store.deleteSession("u1", "s1")).toBe(true);
      expect(await store.session("s1")).toBeUndefined();
      expect((await store.deleteSessions("u1", "s3")).sort()).toEqual(["s2"]);
      expect((await store.sessions("u1")).map((s) => s.id)).toEqual(["s3"]);
      expect(await store.deleteSessions("u1")).toEqual(["s3"]);
      expect(await store.sessions("u1")).toEqual([]);
      expect(await store.session("x1")).toBeDefined();
    });

    it("when passkeys are stored, then their bytes come back intact, ids are unique, use moves the counter forward, and only the owner removes one", async () => {
      expect(await store.addPasskey(passkey("cred-1", "u1", "2026-12-01T10:00:00.000Z"))).toBe(true);
      expect(await store.addPasskey(passkey("cred-2", "u1", "2026-12-02T10:00:00.000Z"))).toBe(true);
      expect(await store.addPasskey(passkey("cred-1", "u2", "2026-12-03T10:00:00.000Z"))).toBe(false);
      const stored = await store.passkey("cred-1");
      expect(stored).toEqual(passkey("cred-1", "u1", "2026-12-01T10:00:00.000Z"));
      expect(stored!.publicKey).toBeInstanceOf(Uint8Array);
      expect((await store.passkeys("u1")).map((p) => p.id)).toEqual(["cred-1", "cred-2"]);

      await store.usePasskey("cred-1", 5, "2026-12-04T10:00:00.000Z");
      await store.usePasskey("cred-1", 3, "2026-12-05T10:00:00.000Z");
      expect(await store.passkey("cred-1")).toMatchObject({ counter: 5, lastUsed: "2026-12-05T10:00:00.000Z" });

      expect(await store.deletePasskey("u2", "cred-1")).toBe(false);
      expect(await store.deletePasskey("u1", "cred-1")).toBe(true);
      expect(await store.passkey("cred-1")).toBeUndefined();
      expect(await store.passkeys("u2")).toEqual([]);
    });

    it("when a challenge is taken, then it comes back once, and never after it expired", async () => {
      await store.putChallenge("c1", '{"challenge":"x"}', 2_000);
      await store.putChallenge("c2", '{"challenge":"y"}', 2_000);
      expect(await store.takeChallenge("c1", 1_000)).toBe('{"challenge":"x"}');
      expect(await store.takeChallenge("c1", 1_000)).toBeUndefined();
      expect(await store.takeChallenge("c2", 2_000)).toBeUndefined();
      expect(await store.takeChallenge("missing", 1_000)).toBeUndefined();
    });

    it("when two take one challenge at once, then only one gets it", async () => {
      await store.putChallenge("c1", "body", 10_000);
      const got = await Promise.all([store.takeChallenge("c1", 1_000), store.takeChallenge("c1", 1_000)]);
      expect(got.filter((b) => b === "body")).toHaveLength(1);
    });
  });
}
