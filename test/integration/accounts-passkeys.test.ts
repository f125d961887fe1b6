/**
 * Passkeys over HTTP (protocol v1.2, docs/protocol.md "Passkeys"), with a
 * software authenticator (test/helpers/accounts.ts) standing in for the
 * browser's: the options routes, the whole ceremony (signing up, adding a
 * passkey, signing in, removing one), and answers that must not verify —
 * garbage, replayed, tampered, or with no challenge waiting — which are
 * refused and change nothing.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import {
  api,
  Browser,
  fullWidth,
  PASSWORD,
  SESSION_COOKIE,
  signInWithPasskey,
  signUp,
  signUpWithPasskey,
  SoftAuthenticator,
  uniqueAddress,
  uniqueUsername,
  type AccountInfo,
  type Issued,
  type Passkey,
  type SessionInfo,
} from "../helpers/accounts.js";
import { connectClient, connectError } from "../helpers/client.js";
import { STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

type CreationOptions = PublicKeyCredentialCreationOptionsJSON;
type RequestOptions = PublicKeyCredentialRequestOptionsJSON;
const error = (code: string) => ({ error: { code, message: expect.any(String) } });
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe.each(STORES)("passkeys on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({
    env: { ...storeEnv(), TRUST_PROXY: "true", RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" },
  }));
  const url = () => env.server.url;
  const browser = () => new Browser(url());
  /** Whether a username is still free: registration options for it are given (they check it, and claim nothing). */
  const isFree = async (username: string) => (await browser().request("/api/passkeys/registration/options", { body: { username } })).status === 200;
  const sessionsOf = async (token: string) => (await api<{ sessions: SessionInfo[] }>(url(), "/api/sessions", { token })).body.sessions;

  describe("options", () => {
    it("when someone signed out asks to sign up with a passkey, then the options name this site, the lower-cased username and the name, and ask for a discoverable credential with user verification preferred", async () => {
      const username = uniqueUsername("Pia");
      const res = await browser().request<CreationOptions>("/api/passkeys/registration/options", { body: { username, name: "Pia Ng" } });
      expect(res.status).toBe(200);
      const options = res.body;
      expect(options.rp).toMatchObject({ id: "127.0.0.1", name: expect.any(String) });
      expect(options.user).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]+$/), name: username.toLowerCase(), displayName: "Pia Ng" });
      expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(options.pubKeyCredParams).toContainEqual({ alg: -7, type: "public-key" });
      expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "preferred" });
      expect(options.excludeCredentials ?? []).toEqual([]);
      // Asking claims nothing: the username is still free.
      expect(await isFree(username)).toBe(true);
    });

    it("when the username or name breaks the sign-up rules, then registration options answer 400, 409 USERNAME_TAKEN or 409 NAME_TAKEN", async () => {
      const taken = await signUp(url(), { username: uniqueUsername("Taken") });
      const cases: [unknown, number, string][] = [
        [{ username: "ab" }, 400, "INVALID_INPUT"],
        [{ username: "no-dash" }, 400, "INVALID_INPUT"],
        [{ username: 12345 }, 400, "INVALID_INPUT"],
        [{}, 400, "INVALID_INPUT"],
        [{ username: uniqueUsername("ok"), name: "<b>" }, 400, "INVALID_INPUT"],
        [{ username: uniqueUsername("ok"), extra: 1 }, 400, "INVALID_INPUT"],
        [{ username: taken.username.toUpperCase() }, 409, "USERNAME_TAKEN"],
        [{ username: uniqueUsername("ok"), name: fullWidth(taken.username) }, 409, "NAME_TAKEN"],
      ];
      for (const [body, status, code] of cases) {
        const res = await browser().request("/api/passkeys/registration/options", { body });
        expect(res, JSON.stringify(body)).toMatchObject({ status, body: error(code) });
      }
    });

    it("when someone signed in asks with {}, then the options are for their account and exclude the passkeys it has; with a username they answer 400", async () => {
      const b = browser();
      const authenticator = new SoftAuthenticator();
      const username = uniqueUsername("adder");
      expect((await signUpWithPasskey(b, authenticator, { username, name: "Adder" })).status).toBe(201);
      const res = await b.request<CreationOptions>("/api/passkeys/registration/options", { body: {} });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ name: username, displayName: "Adder" });
      expect(res.body.excludeCredentials).toEqual([expect.objectContaining({ id: authenticator.credentialId(), type: "public-key" })]);
      expect(await b.request("/api/passkeys/registration/options", { body: { username: uniqueUsername("other") } })).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
    });

    it("when anyone asks to sign in with a passkey, then the options carry a challenge and this site and no allowCredentials; a field in the body gets 400", async () => {
      const res = await browser().request<RequestOptions>("/api/passkeys/authentication/options", { body: {} });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ challenge: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/), rpId: "127.0.0.1", userVerification: "preferred" });
      expect(res.body.allowCredentials ?? []).toEqual([]);
      const again = await browser().request<RequestOptions>("/api/passkeys/authentication/options", { body: {} });
      expect(again.body.challenge).not.toBe(res.body.challenge);
      expect(await browser().request("/api/passkeys/authentication/options", { body: { username: "someone" } })).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
    });

    it("when a page on another origin asks for options, then it answers 403 FORBIDDEN", async () => {
      for (const path of ["/api/passkeys/registration/options", "/api/passkeys/authentication/options"]) {
        const res = await browser().request(path, { body: { username: uniqueUsername("x") }, origin: "https://evil.example" });
        expect(res, path).toMatchObject({ status: 403, body: error("FORBIDDEN") });
      }
    });
  });

  describe("the ceremony", () => {
    it("when someone signs up with a passkey, then it answers 201 with a token and the cookie, the account has that passkey and no password, and the passkey signs in", async () => {
      const b = browser();
      const authenticator = new SoftAuthenticator();
      const username = uniqueUsername("Kee");
      const res = await signUpWithPasskey(b, authenticator, { username, label: "  My phone  " });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ userId: expect.any(String), username: username.toLowerCase(), name: username.toLowerCase(), token: expect.stringMatching(/^a\./) });
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.attributes).toMatchObject({ httponly: true, samesite: "Lax", path: "/" });

      const account = await b.request<AccountInfo>("/api/account");
      expect(account.body).toEqual({
        userId: res.body.userId,
        username: username.toLowerCase(),
        name: username.toLowerCase(),
        hasPassword: false,
        passkeys: [{ id: authenticator.credentialId(), label: "My phone", createdAt: expect.stringMatching(ISO) }],
      });

      const elsewhere = browser();
      const signedIn = await signInWithPasskey(elsewhere, authenticator);
      expect(signedIn.status).toBe(200);
      expect(signedIn.body).toEqual({ userId: res.body.userId, username: username.toLowerCase(), name: username.toLowerCase(), token: expect.stringMatching(/^a\./) });
      expect(elsewhere.session).toBeDefined();
      const used = (await elsewhere.request<{ passkeys: Passkey[] }>("/api/passkeys")).body.passkeys;
      expect(used).toEqual([{ id: authenticator.credentialId(), label: "My phone", createdAt: expect.any(String), lastUsedAt: expect.stringMatching(ISO) }]);

      const socket = await connectClient(url(), { token: signedIn.body.token });
      expect(socket.session).toMatchObject({ userId: res.body.userId, account: username.toLowerCase() });
      // No password to sign in with.
      expect((await api(url(), "/api/session", { address: uniqueAddress(), body: { username, password: PASSWORD } })).status).toBe(401);
    });

    it("when no label is given, then the passkey is labelled with the device that made it", async () => {
      const b = new Browser(url(), { userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36" });
      expect((await signUpWithPasskey(b, new SoftAuthenticator(), { username: uniqueUsername("phone") })).status).toBe(201);
      expect((await b.request<{ passkeys: Passkey[] }>("/api/passkeys")).body.passkeys.map((p) => p.label)).toEqual(["Chrome on Android"]);
    });

    it("when a guest signs up with a passkey carrying its guest token, then the account keeps the guest's userId and the guest token is refused", async () => {
      const guest = await connectClient(url(), { name: "Passkey Guest" });
      const res = await signUpWithPasskey(browser(), new SoftAuthenticator(), { username: uniqueUsername("pguest") }, { token: guest.session.token! });
      expect(res.status).toBe(201);
      expect(res.body.userId).toBe(guest.session.userId);
      expect((await connectError(url(), { name: "Passkey Guest", token: guest.session.token })).message).toBe("UNAUTHORIZED");
    });

    it("when someone signed in adds a passkey, then it answers 201 with it, both are listed and both sign in", async () => {
      const b = browser();
      const first = new SoftAuthenticator();
      const signedUp = await signUpWithPasskey(b, first, { username: uniqueUsername("two") });
      const second = new SoftAuthenticator();
      const options = await b.request<CreationOptions>("/api/passkeys/registration/options", { body: {} });
      const added = await b.request<{ passkey: Passkey }>("/api/passkeys/registration", { body: { response: second.register(options.body, b.origin), label: "Laptop" } });
      expect(added.status).toBe(201);
      expect(added.body).toEqual({ passkey: { id: second.credentialId(), label: "Laptop", createdAt: expect.stringMatching(ISO) } });
      expect(added.text).not.toContain("token");
      const listed = (await b.request<{ passkeys: Passkey[] }>("/api/passkeys")).body.passkeys;
      expect(listed.map((p) => p.id).sort()).toEqual([first.credentialId(), second.credentialId()].sort());
      for (const authenticator of [first, second]) {
        expect((await signInWithPasskey(browser(), authenticator)).body.userId).toBe(signedUp.body.userId);
      }
    });

    it("when an account has only its passkey, then removing it answers 409 LAST_SIGN_IN_METHOD; once a password is set (no current one needed), it is removed and no longer signs in", async () => {
      const b = browser();
      const authenticator = new SoftAuthenticator();
      const { body: issued } = await signUpWithPasskey(b, authenticator, { username: uniqueUsername("last") });
      const id = authenticator.credentialId();
      expect(await b.request(`/api/passkeys/${id}`, { method: "DELETE" })).toMatchObject({ status: 409, body: error("LAST_SIGN_IN_METHOD") });
      expect((await b.request<{ passkeys: Passkey[] }>("/api/passkeys")).body.passkeys).toHaveLength(1);

      expect((await b.request("/api/account/password", { method: "PUT", body: { password: "now with a password" } })).status).toBe(204);
      expect((await b.request<AccountInfo>("/api/account")).body.hasPassword).toBe(true);
      expect((await b.request(`/api/passkeys/${id}`, { method: "DELETE" })).status).toBe(204);
      expect((await b.request<{ passkeys: Passkey[] }>("/api/passkeys")).body.passkeys).toEqual([]);
      expect((await signInWithPasskey(browser(), authenticator)).status).toBe(401);
      expect((await api<Issued>(url(), "/api/session", { address: uniqueAddress(), body: { username: issued.username, password: "now with a password" } })).status).toBe(200);
    });

    it("when someone removes another account's passkey or an unknown id, then it answers 404 and the passkey stays; signed out, GET and DELETE answer 401", async () => {
      const owner = browser();
      const authenticator = new SoftAuthenticator();
      await signUpWithPasskey(owner, authenticator, { username: uniqueUsername("owner") });
      const mallory = await signUp(url());
      const id = authenticator.credentialId();
      for (const target of [id, "AAAA", "nope%00"]) {
        expect(await api(url(), `/api/passkeys/${target}`, { method: "DELETE", token: mallory.token }), target).toMatchObject({ status: 404, body: error("NOT_FOUND") });
      }
      expect((await api<{ passkeys: Passkey[] }>(url(), "/api/passkeys", { token: mallory.token })).body.passkeys).toEqual([]);
      expect((await owner.request<{ passkeys: Passkey[] }>("/api/passkeys")).body.passkeys.map((p) => p.id)).toEqual([id]);
      expect(await api(url(), "/api/passkeys")).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
      expect(await api(url(), `/api/passkeys/${id}`, { method: "DELETE" })).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
      expect((await signInWithPasskey(browser(), authenticator)).status).toBe(200);
    });

    it("when the username is claimed between the options and the registration, then the registration answers 409 USERNAME_TAKEN", async () => {
      const b = browser();
      const username = uniqueUsername("race");
      const options = await b.request<CreationOptions>("/api/passkeys/registration/options", { body: { username } });
      const winner = await signUp(url(), { username });
      const res = await b.request("/api/passkeys/registration", { body: { response: new SoftAuthenticator().register(options.body, b.origin) } });
      expect(res).toMatchObject({ status: 409, body: error("USERNAME_TAKEN") });
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
      expect((await api<AccountInfo>(url(), "/api/account", { token: winner.token })).body.passkeys).toEqual([]);
    });
  });

  describe("answers that must not verify", () => {
    it("when a registration answer is garbage, then it answers 400 INVALID_INPUT and the username stays free", async () => {
      const username = uniqueUsername("junk");
      const valid = (b: Browser, options: CreationOptions) => new SoftAuthenticator().register(options, b.origin);
      const garbage: ((b: Browser, o: CreationOptions) => unknown)[] = [
        () => "not an object",
        () => null,
        () => [],
        () => ({}),
        () => ({ id: "x", rawId: "x", type: "public-key", response: {}, clientExtensionResults: {} }),
        (b, o) => ({ ...valid(b, o), type: "password" }),
        (b, o) => {
          const r = valid(b, o);
          return { ...r, response: { ...r.response, attestationObject: "AAAA" } };
        },
        (b, o) => {
          const r = valid(b, o);
          return { ...r, response: { ...r.response, clientDataJSON: "not base64url!" } };
        },
        (b, o) => {
          const r = valid(b, o);
          return { ...r, response: { ...r.response, clientDataJSON: Buffer.from("{\"type\":").toString("base64url") } };
        },
        (b, o) => ({ ...valid(b, o), id: "A".repeat(10_000) }),
      ];
      for (const [i, make] of garbage.entries()) {
        const b = browser();
        const options = await b.request<CreationOptions>("/api/passkeys/registration/options", { body: { username } });
        expect(options.status).toBe(200);
        const res = await b.request("/api/passkeys/registration", { body: { response: make(b, options.body) } });
        expect(res, `garbage ${i}`).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
        expect(res.cookies.find((c) => c.name === SESSION_COOKIE), `garbage ${i}`).toBeUndefined();
      }
      expect(await isFree(username)).toBe(true);
    });

    it("when an answer was made for another challenge, origin, relying party or ceremony type, then it answers 400 and the username stays free", async () => {
      const username = uniqueUsername("tamper");
      const tampers = [
        { challenge: Buffer.from("a challenge nobody issued").toString("base64url") },
        { origin: "https://evil.example" },
        { rpId: "evil.example" },
        { type: "webauthn.get" },
      ];
      for (const tamper of tampers) {
        const b = browser();
        const options = await b.request<CreationOptions>("/api/passkeys/registration/options", { body: { username } });
        const res = await b.request("/api/passkeys/registration", { body: { response: new SoftAuthenticator().register(options.body, b.origin, tamper) } });
        expect(res, JSON.stringify(tamper)).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
      }
      expect(await isFree(username)).toBe(true);
    });

    it("when a registration comes with no challenge waiting (none asked, or asked in another browser), then it answers 400 and creates nothing", async () => {
      const username = uniqueUsername("nochal");
      const asker = browser();
      const options = await asker.request<CreationOptions>("/api/passkeys/registration/options", { body: { username } });
      const response = new SoftAuthenticator().register(options.body, asker.origin);
      const other = browser();
      expect(await other.request("/api/passkeys/registration", { body: { response } })).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
      expect(other.session).toBeUndefined();
      expect(await isFree(username)).toBe(true);
    });

    it("when a valid registration is sent twice, then the second answers 400 (a challenge is good once) and there is one account with one passkey", async () => {
      const b = browser();
      const username = uniqueUsername("replay");
      const options = await b.request<CreationOptions>("/api/passkeys/registration/options", { body: { username } });
      const response = new SoftAuthenticator().register(options.body, b.origin);
      const challengeCookie = b.cookieHeader();
      const first = await b.request<Issued>("/api/passkeys/registration", { body: { response } });
      expect(first.status).toBe(201);
      // The replay carries the challenge's cookie again, as an attacker who copied the request would.
      const replay = await api(url(), "/api/passkeys/registration", { origin: b.origin, address: b.address, ...(challengeCookie ? { cookie: challengeCookie } : {}), body: { response } });
      expect(replay).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
      expect((await api<AccountInfo>(url(), "/api/account", { token: first.body.token })).body.passkeys).toHaveLength(1);
    });

    it("when a passkey already registered to one account is presented to sign up another, then it is refused and the second username stays free", async () => {
      const authenticator = new SoftAuthenticator();
      const first = browser();
      const firstAccount = await signUpWithPasskey(first, authenticator, { username: uniqueUsername("first") });
      const username = uniqueUsername("second");
      const b = browser();
      const options = await b.request<CreationOptions>("/api/passkeys/registration/options", { body: { username } });
      // The same credential id again (a second key pair under the first one's id).
      const reused = new SoftAuthenticator().register(options.body, b.origin, { credentialId: authenticator.credentialId() });
      const res = await b.request("/api/passkeys/registration", { body: { response: reused } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(b.session).toBeUndefined();
      // Nothing was made: no account without a way to sign in holds the username.
      const again = await browser().request("/api/passkeys/registration/options", { body: { username } });
      expect(again.status, again.text).toBe(200);
      // The passkey still signs in to its own account.
      const signedIn = await signInWithPasskey(browser(), authenticator);
      expect(signedIn.body.userId).toBe(firstAccount.body.userId);
    });

    it("when a guest signs up with a passkey that is already registered, then it is refused and the guest stays a guest: its token still connects", async () => {
      const authenticator = new SoftAuthenticator();
      await signUpWithPasskey(browser(), authenticator, { username: uniqueUsername("holder") });
      const guest = await connectClient(url(), { name: "Unlucky Guest" });
      const b = browser();
      const options = await b.request<CreationOptions>("/api/passkeys/registration/options", { token: guest.session.token!, body: { username: uniqueUsername("unlucky") } });
      const reused = new SoftAuthenticator().register(options.body, b.origin, { credentialId: authenticator.credentialId() });
      const res = await b.request("/api/passkeys/registration", { token: guest.session.token!, body: { response: reused } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const back = await connectClient(url(), { name: "Unlucky Guest", token: guest.session.token! });
      expect(back.session).toMatchObject({ userId: guest.session.userId, token: expect.any(String) });
    });

    it("when a passkey ceremony to add a passkey is finished by someone not signed in to that account, then it is refused and nothing is added", async () => {
      const owner = browser();
      await signUpWithPasskey(owner, new SoftAuthenticator(), { username: uniqueUsername("addto") });
      const options = await owner.request<CreationOptions>("/api/passkeys/registration/options", { body: {} });
      const response = new SoftAuthenticator().register(options.body, owner.origin);
      const challenge = owner.cookies.get("chat_webauthn");
      const mallory = await signUp(url());
      // Mallory has stolen the challenge cookie but not the owner's session.
      for (const token of [undefined, mallory.token]) {
        const res = await api(url(), "/api/passkeys/registration", {
          origin: owner.origin,
          ...(challenge ? { cookie: `chat_webauthn=${challenge}` } : {}),
          ...(token ? { token } : {}),
          body: { response },
        });
        expect(res.status, token ? "another account" : "signed out").toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
      expect((await owner.request<{ passkeys: Passkey[] }>("/api/passkeys")).body.passkeys).toHaveLength(1);
      expect((await api<{ passkeys: Passkey[] }>(url(), "/api/passkeys", { token: mallory.token })).body.passkeys).toEqual([]);
    });

    it("when a sign-in answer is garbage, tampered, for an unknown passkey or someone else's user handle, or has no challenge waiting, then it answers 401 and no session is made", async () => {
      const owner = browser();
      const authenticator = new SoftAuthenticator();
      const { body: issued } = await signUpWithPasskey(owner, authenticator, { username: uniqueUsername("victim") });
      const sessionsBefore = (await sessionsOf(issued.token)).length;
      const stranger = new SoftAuthenticator();
      const strangerBrowser = browser();
      await signUpWithPasskey(strangerBrowser, stranger, { username: uniqueUsername("stranger") });
      const unknownKey = new SoftAuthenticator();
      unknownKey.register((await browser().request<CreationOptions>("/api/passkeys/registration/options", { body: { username: uniqueUsername("never") } })).body, url());

      const attempts: [string, (b: Browser, o: RequestOptions) => unknown][] = [
        ["a string", () => "garbage"],
        ["an empty object", () => ({})],
        ["a registration", () => ({ id: "x", rawId: "x", type: "public-key", response: { clientDataJSON: "", attestationObject: "" }, clientExtensionResults: {} })],
        ["another challenge", (b, o) => authenticator.authenticate(o, b.origin, undefined, { challenge: Buffer.from("made up").toString("base64url") })],
        ["another origin", (b, o) => authenticator.authenticate(o, b.origin, undefined, { origin: "https://evil.example" })],
        ["another relying party", (b, o) => authenticator.authenticate(o, b.origin, undefined, { rpId: "evil.example" })],
        ["a registration type", (b, o) => authenticator.authenticate(o, b.origin, undefined, { type: "webauthn.create" })],
        ["an unknown passkey", (b, o) => unknownKey.authenticate(o, b.origin)],
        ["a bad signature", (b, o) => {
          const r = authenticator.authenticate(o, b.origin);
          return { ...r, response: { ...r.response, signature: stranger.authenticate(o, b.origin).response.signature } };
        }],
        ["someone else's user handle", (b, o) => authenticator.authenticate(o, b.origin, undefined, { userHandle: stranger.authenticate(o, b.origin).response.userHandle! })],
      ];
      for (const [what, make] of attempts) {
        const b = browser();
        const options = await b.request<RequestOptions>("/api/passkeys/authentication/options", { body: {} });
        const res = await b.request("/api/passkeys/authentication", { body: { response: make(b, options.body) } });
        expect(res, what).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
        expect(b.session, what).toBeUndefined();
      }
      // No challenge waiting: a valid answer to options this browser never asked for.
      const asker = browser();
      const options = await asker.request<RequestOptions>("/api/passkeys/authentication/options", { body: {} });
      const other = browser();
      expect(await other.request("/api/passkeys/authentication", { body: { response: authenticator.authenticate(options.body, asker.origin) } })).toMatchObject({ status: 401 });
      expect(other.session).toBeUndefined();

      expect(await sessionsOf(issued.token)).toHaveLength(sessionsBefore);
      expect((await owner.request<{ passkeys: Passkey[] }>("/api/passkeys")).body.passkeys[0]?.lastUsedAt).toBeUndefined();
    });

    it("when a valid sign-in answer is sent again, then the second answers 401 and makes no session", async () => {
      const owner = browser();
      const authenticator = new SoftAuthenticator();
      const { body: issued } = await signUpWithPasskey(owner, authenticator, { username: uniqueUsername("again") });
      const b = browser();
      const options = await b.request<RequestOptions>("/api/passkeys/authentication/options", { body: {} });
      const challengeCookie = b.cookieHeader();
      const response = authenticator.authenticate(options.body, b.origin);
      expect((await b.request("/api/passkeys/authentication", { body: { response } })).status).toBe(200);
      const count = (await sessionsOf(issued.token)).length;
      const replay = await api(url(), "/api/passkeys/authentication", { origin: b.origin, address: b.address, ...(challengeCookie ? { cookie: challengeCookie } : {}), body: { response } });
      expect(replay).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
      expect(replay.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
      expect(await sessionsOf(issued.token)).toHaveLength(count);
    });

    it("when one address fails 20 passkey sign-ins, then its next attempt gets 429 with Retry-After, for passkeys and passwords alike", async () => {
      const address = uniqueAddress();
      const account = await signUp(url());
      for (let i = 0; i < 20; i++) {
        const b = new Browser(url(), { address });
        await b.request("/api/passkeys/authentication/options", { body: {} });
        expect((await b.request("/api/passkeys/authentication", { body: { response: { nonsense: i } } })).status, `failure ${i + 1}`).toBe(401);
      }
      const b = new Browser(url(), { address });
      const limited = await b.request("/api/passkeys/authentication", { body: { response: {} } });
      expect(limited).toMatchObject({ status: 429, body: error("RATE_LIMITED") });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await api(url(), "/api/session", { address, body: { username: account.username, password: PASSWORD } })).toMatchObject({ status: 429 });
    });
  });
});
