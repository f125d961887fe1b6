/**
 * Accounts over HTTP and Socket.IO (protocol v1.2, docs/protocol.md
 * "accounts"): signing up with a password, guests becoming accounts,
 * signing in and out, the limits on failed sign-ins, the account and its
 * sessions. Passkeys are in accounts-passkeys.test.ts, hostile input, logs
 * and metrics in accounts-safety.test.ts, several nodes in
 * accounts-cluster.test.ts.
 *
 * The server runs behind a trusted proxy (TRUST_PROXY=true), so each test
 * gives its requests their own client address (X-Forwarded-For): the
 * per-address limits stay the business of the tests about them.
 */
import { describe, expect, it } from "vitest";
import type { ChatMessage, Conversation, JoinResult, Page, RoomInfo } from "../../server/protocol.js";
import {
  ANDROID_CHROME,
  api,
  Browser,
  DESKTOP_CHROME,
  disconnection,
  fullWidth,
  MAC_FIREFOX,
  PASSWORD,
  SESSION_COOKIE,
  signIn,
  signUp,
  uniqueAddress,
  uniqueUsername,
  type AccountInfo,
  type ErrorBody,
  type Issued,
  type SessionInfo,
} from "../helpers/accounts.js";
import { connectClient, connectError, nextEvent, ok } from "../helpers/client.js";
import { STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

type Sent = { message: ChatMessage };
const TOKEN_SHAPE = /^a\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const error = (code: string) => ({ error: { code, message: expect.any(String) } });
let rooms = 0;
const uniqueRoom = () => `acct-${Date.now().toString(36)}-${rooms++}`;

describe.each(STORES)("accounts on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({
    env: { ...storeEnv(), TRUST_PROXY: "true", RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" },
  }));
  const url = () => env.server.url;

  describe("signing up with a password", () => {
    it("when someone signs up, then it answers 201 with the lower-cased username, the name, a token and an HttpOnly SameSite=Lax cookie for / that is not Secure over plain http", async () => {
      const username = uniqueUsername("Kid_Li");
      const res = await api<Issued>(url(), "/api/accounts", { address: uniqueAddress(), body: { username, password: PASSWORD } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ userId: expect.any(String), username: username.toLowerCase(), name: username.toLowerCase(), token: expect.stringMatching(TOKEN_SHAPE) });
      expect(res.text).not.toContain(PASSWORD);

      const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(cookie).toBeDefined();
      expect(cookie!.attributes).toMatchObject({ httponly: true, samesite: "Lax", path: "/" });
      expect(cookie!.attributes.secure).toBeUndefined();
      // 180 days.
      expect(Number(cookie!.attributes["max-age"])).toBe(180 * 24 * 60 * 60);

      const byCookie = await api(url(), "/api/session", { cookie: `${SESSION_COOKIE}=${cookie!.value}` });
      expect(byCookie).toMatchObject({ status: 200, body: { userId: res.body.userId, username: username.toLowerCase(), name: username.toLowerCase() } });
    });

    it("when a name is given, then it is the account's display name, trimmed", async () => {
      const res = await api<Issued>(url(), "/api/accounts", {
        address: uniqueAddress(),
        body: { username: uniqueUsername("mei"), password: PASSWORD, name: "  Mei 李  " },
      });
      expect(res.status).toBe(201);
      expect(res.body.name).toBe("Mei 李");
    });

    it("when the request came over TLS through the trusted proxy (X-Forwarded-Proto: https), then the cookie is Secure", async () => {
      const res = await api(url(), "/api/accounts", {
        address: uniqueAddress(),
        headers: { "X-Forwarded-Proto": "https" },
        body: { username: uniqueUsername("tls"), password: PASSWORD },
      });
      expect(res.status).toBe(201);
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.attributes).toMatchObject({ secure: true, httponly: true, samesite: "Lax", path: "/" });
    });

    it("when the token is the Socket.IO auth.token, then the socket is the account: session has account and no token, auth.name is ignored, and from, to and people carry the username", async () => {
      const account = await signUp(url(), { username: uniqueUsername("ann"), name: "Ann" });
      const ann = await connectClient(url(), { name: "someone else", token: account.token });
      expect(ann.session).toEqual({ userId: account.userId, name: "Ann", account: account.username, socketId: ann.socket.id });
      const noName = await connectClient(url(), { token: account.token });
      expect(noName.session).toMatchObject({ userId: account.userId, name: "Ann", account: account.username });
      expect(noName.session.token).toBeUndefined();

      const room = uniqueRoom();
      const guest = await connectClient(url(), { name: "guest reader" });
      await ok(guest.socket, "join", room);
      const joined = await ok<JoinResult>(ann.socket, "join", room);
      expect(joined.people.find((p) => p.userId === account.userId)).toMatchObject({ name: "Ann", account: account.username });
      expect(joined.people.find((p) => p.userId === guest.session.userId)?.account).toBeUndefined();

      const atGuest = nextEvent(guest.socket, "message", (m) => m.kind === "room");
      const { message } = await ok<Sent>(ann.socket, "message", { room, text: "signed in" });
      expect(message.from).toEqual({ userId: account.userId, name: "Ann", account: account.username, socketId: ann.socket.id });
      expect(await atGuest).toEqual(message);

      const dm = (await ok<Sent>(guest.socket, "private message", { to: ann.socket.id, text: "hi ann" })).message;
      expect(dm.to).toMatchObject({ userId: account.userId, account: account.username });
      expect(dm.from.account).toBeUndefined();
    });

    it("when a signed-in person types, or is written to while away, or is listed in conversations, then their User carries the account there too", async () => {
      const account = await signUp(url(), { name: "Marked" });
      const marked = await connectClient(url(), { token: account.token });
      const guest = await connectClient(url(), { name: "plain" });
      const room = uniqueRoom();
      await ok(guest.socket, "join", room);
      await ok(marked.socket, "join", room);
      const typing = nextEvent(guest.socket, "typing", (t) => "room" in t && t.room === room);
      await ok(marked.socket, "typing", { room, typing: true });
      expect((await typing).user).toMatchObject({ userId: account.userId, account: account.username });

      const left = disconnection(marked.socket);
      marked.socket.disconnect();
      await left;
      const { message } = await ok<Sent>(guest.socket, "private message", { toUser: account.userId, text: "while you were away" });
      expect(message.to).toEqual({ userId: account.userId, name: "Marked", account: account.username, socketId: "" });
      const { conversations } = await ok<{ conversations: Conversation[] }>(guest.socket, "conversations");
      expect(conversations.find((c) => c.user.userId === account.userId)?.user).toEqual({ userId: account.userId, name: "Marked", account: account.username });
    });

    it("when a socket carries the session cookie, then it is the account; an account token in auth.token goes before the cookie, and the cookie before a guest token", async () => {
      const first = await signUp(url(), { username: uniqueUsername("cookie") });
      const second = await signUp(url(), { username: uniqueUsername("token") });
      const guest = await connectClient(url(), { name: "plain guest" });
      const cookie = { extraHeaders: { Cookie: `${SESSION_COOKIE}=${first.token}` } };

      const byCookie = await connectClient(url(), { name: "ignored" }, cookie);
      expect(byCookie.session).toMatchObject({ userId: first.userId, account: first.username });
      const cookieOverGuest = await connectClient(url(), { name: "plain guest", token: guest.session.token! }, cookie);
      expect(cookieOverGuest.session).toMatchObject({ userId: first.userId, account: first.username });
      const tokenOverCookie = await connectClient(url(), { token: second.token }, cookie);
      expect(tokenOverCookie.session).toMatchObject({ userId: second.userId, account: second.username });
    });

    it("when the username is taken in another case, then it answers 409 USERNAME_TAKEN", async () => {
      const username = uniqueUsername("Taken");
      await signUp(url(), { username });
      for (const variant of [username, username.toUpperCase(), username.toLowerCase()]) {
        const res = await api(url(), "/api/accounts", { address: uniqueAddress(), body: { username: variant, password: PASSWORD } });
        expect(res).toMatchObject({ status: 409, body: error("USERNAME_TAKEN") });
        expect(res.cookies).toEqual([]);
      }
    });

    it("when the display name is another account's username, also in another case or in full-width letters, then it answers 409 NAME_TAKEN and creates nothing", async () => {
      const teacher = await signUp(url(), { username: uniqueUsername("teacher") });
      for (const name of [teacher.username, teacher.username.toUpperCase(), fullWidth(teacher.username), ` ${fullWidth(teacher.username.toUpperCase())} `]) {
        const username = uniqueUsername("pupil");
        const res = await api(url(), "/api/accounts", { address: uniqueAddress(), body: { username, password: PASSWORD, name } });
        expect(res, name).toMatchObject({ status: 409, body: error("NAME_TAKEN") });
        // Nothing was created: the username is still free.
        expect((await api(url(), "/api/accounts", { address: uniqueAddress(), body: { username, password: PASSWORD } })).status).toBe(201);
      }
    });

    it("when the display name is the account's own username in another case, then it is accepted", async () => {
      const username = uniqueUsername("self");
      const res = await api<Issued>(url(), "/api/accounts", { address: uniqueAddress(), body: { username, password: PASSWORD, name: username.toUpperCase() } });
      expect(res.status).toBe(201);
      expect(res.body.name).toBe(username.toUpperCase());
    });

    it("when the username, password or name is invalid, of the wrong type, missing, or a field is unknown, then it answers 400 INVALID_INPUT and creates nothing", async () => {
      const username = uniqueUsername("valid");
      const bodies: unknown[] = [
        { username: "ab", password: PASSWORD },
        { username: "a".repeat(25), password: PASSWORD },
        { username: "with-dash", password: PASSWORD },
        { username: "with space", password: PASSWORD },
        { username: "ümlaut", password: PASSWORD },
        { username: fullWidth("fullwidth"), password: PASSWORD },
        { username: "kid\u200b_li", password: PASSWORD },
        { username: 12345, password: PASSWORD },
        { username: null, password: PASSWORD },
        { username: [username], password: PASSWORD },
        { username: { $gt: "" }, password: PASSWORD },
        { password: PASSWORD },
        { username, password: "short9chr" },
        { username, password: "x".repeat(201) },
        { username, password: "😀".repeat(9) },
        { username, password: 1234567890123 },
        { username, password: null },
        { username },
        { username, password: PASSWORD, name: "" },
        { username, password: PASSWORD, name: "   " },
        { username, password: PASSWORD, name: "<b>bold</b>" },
        { username, password: PASSWORD, name: "n".repeat(25) },
        { username, password: PASSWORD, name: "\u202Eevil" },
        { username, password: PASSWORD, name: 42 },
        { username, password: PASSWORD, name: null },
        { username, password: PASSWORD, admin: true },
        { username, password: PASSWORD, userId: "AAAAAAAAAAAAAAAA" },
      ];
      for (const body of bodies) {
        const res = await api(url(), "/api/accounts", { address: uniqueAddress(), body });
        expect(res, JSON.stringify(body)).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
        expect(res.cookies).toEqual([]);
      }
      // None of them created the account.
      expect((await api(url(), "/api/accounts", { address: uniqueAddress(), body: { username, password: PASSWORD } })).status).toBe(201);
    });

    it("when the password is 10 or 200 characters (10 emoji count as 10), then it is accepted", async () => {
      for (const password of ["p".repeat(10), "p".repeat(200), "😀".repeat(10)]) {
        const account = await signUp(url(), { password });
        expect((await signIn(url(), account.username, password)).userId).toBe(account.userId);
      }
    });

    it("when the request comes from a page on another origin, or its body is not JSON, then it answers 403 FORBIDDEN and creates nothing", async () => {
      const username = uniqueUsername("csrf");
      const body = { username, password: PASSWORD };
      const refused = [
        await api(url(), "/api/accounts", { address: uniqueAddress(), body, origin: "https://evil.example" }),
        await api(url(), "/api/accounts", { address: uniqueAddress(), body, origin: "null" }),
        await api(url(), "/api/accounts", { address: uniqueAddress(), raw: JSON.stringify(body), contentType: "text/plain" }),
        await api(url(), "/api/accounts", { address: uniqueAddress(), raw: `username=${username}&password=${encodeURIComponent(PASSWORD)}`, contentType: "application/x-www-form-urlencoded" }),
        await api(url(), "/api/accounts", { address: uniqueAddress(), raw: JSON.stringify(body), contentType: null }),
      ];
      for (const res of refused) {
        expect(res).toMatchObject({ status: 403, body: error("FORBIDDEN") });
        expect(res.cookies).toEqual([]);
      }
      // The page's own origin is allowed, and so is application/json with a charset.
      const own = await api(url(), "/api/accounts", { address: uniqueAddress(), body, origin: url(), contentType: "application/json; charset=utf-8" });
      expect(own.status).toBe(201);
    });

    it("when one address has made 20 accounts within the hour, then the 21st gets 429 RATE_LIMITED with Retry-After, and another address still may", async () => {
      const address = uniqueAddress();
      for (let i = 0; i < 20; i++) await signUp(url(), {}, { address });
      const res = await api(url(), "/api/accounts", { address, body: { username: uniqueUsername("many"), password: PASSWORD } });
      expect(res).toMatchObject({ status: 429, body: error("RATE_LIMITED") });
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      await signUp(url(), {}, { address: uniqueAddress() });
    });
  });

  describe("guests", () => {
    it("when a guest who sent room and private messages and set a read marker signs up with its guest token, then the account keeps its userId, history, conversations and read markers, and the guest token is refused", async () => {
      const room = uniqueRoom();
      const guest = await connectClient(url(), { name: "Ali" });
      const bob = await connectClient(url(), { name: "bob" });
      await ok(guest.socket, "join", room);
      await ok(bob.socket, "join", room);
      const mine = (await ok<Sent>(guest.socket, "message", { room, text: "sent as a guest" })).message;
      const dm = (await ok<Sent>(guest.socket, "private message", { toUser: bob.session.userId, text: "psst, bob" })).message;
      await ok(guest.socket, "read", { room, upTo: mine.id });
      const unseen = (await ok<Sent>(bob.socket, "message", { room, text: "after the marker" })).message;

      const username = uniqueUsername("Ali");
      const res = await api<Issued>(url(), "/api/accounts", { address: uniqueAddress(), token: guest.session.token!, body: { username, password: PASSWORD } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ userId: guest.session.userId, username: username.toLowerCase() });

      const again = await connectClient(url(), { token: res.body.token });
      expect(again.session).toMatchObject({ userId: guest.session.userId, account: username.toLowerCase() });
      expect((await ok<Page>(again.socket, "history", { room })).messages.map((m) => m.id)).toEqual([mine.id, unseen.id]);
      expect((await ok<Page>(again.socket, "history", { with: bob.session.userId })).messages).toEqual([dm]);
      const { conversations } = await ok<{ conversations: Conversation[] }>(again.socket, "conversations");
      expect(conversations).toEqual([expect.objectContaining({ user: { userId: bob.session.userId, name: "bob" }, last: dm, unread: 0 })]);
      const { rooms: list } = await ok<{ rooms: RoomInfo[] }>(again.socket, "rooms");
      expect(list.find((r) => r.name === room)).toMatchObject({ unread: 1 });
      // What bob sees of the conversation is the same person, now marked as an account.
      const bobSide = await ok<{ conversations: Conversation[] }>(bob.socket, "conversations");
      expect(bobSide.conversations[0]?.user).toMatchObject({ userId: guest.session.userId, account: username.toLowerCase() });

      const refused = await connectError(url(), { name: "Ali", token: guest.session.token });
      expect(refused.message).toBe("UNAUTHORIZED");
      expect(refused.data?.code).toBe("UNAUTHORIZED");
      const twice = await api(url(), "/api/accounts", { address: uniqueAddress(), token: guest.session.token!, body: { username: uniqueUsername("twice"), password: PASSWORD } });
      expect(twice).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
    });

    it("when a guest's name is a claimed username, in any case or in full-width letters, then the connection is refused NAME_TAKEN", async () => {
      const teacher = await signUp(url(), { username: uniqueUsername("teacher") });
      for (const name of [teacher.username, teacher.username.toUpperCase(), fullWidth(teacher.username), ` ${teacher.username} `]) {
        const refused = await connectError(url(), { name });
        expect(refused.message, name).toBe("NAME_TAKEN");
        expect(refused.data).toEqual({ code: "NAME_TAKEN", message: expect.any(String) });
      }
    });

    it("when a guest's name became a username after the guest took it, then the guest's next connection under that name is refused NAME_TAKEN, and under another name keeps its userId", async () => {
      const username = uniqueUsername("tutor");
      const guest = await connectClient(url(), { name: username });
      guest.socket.disconnect();
      await signUp(url(), { username });
      expect((await connectError(url(), { name: username, token: guest.session.token })).message).toBe("NAME_TAKEN");
      const renamed = await connectClient(url(), { name: "a tutor", token: guest.session.token! });
      expect(renamed.session.userId).toBe(guest.session.userId);
    });

    it("when a guest's name does not collide, then the guest works as before: a token, no account, the same userId on return", async () => {
      const teacher = await signUp(url(), { username: uniqueUsername("teacher") });
      const guest = await connectClient(url(), { name: `${teacher.username}x` });
      expect(guest.session).toEqual({ userId: expect.any(String), name: `${teacher.username}x`, token: expect.any(String), socketId: guest.socket.id });
      expect(guest.session.account).toBeUndefined();
      const back = await connectClient(url(), { name: "Teacher Li", token: guest.session.token! });
      expect(back.session.userId).toBe(guest.session.userId);
      const room = uniqueRoom();
      await ok(back.socket, "join", room);
      const { message } = await ok<Sent>(back.socket, "message", { room, text: "still a guest" });
      expect(message.from).toEqual({ userId: guest.session.userId, name: "Teacher Li", socketId: back.socket.id });
    });
  });

  describe("signing in", () => {
    it("when the username (in any case) and password are right, then it answers 200 with a new token and the cookie", async () => {
      const account = await signUp(url(), { username: uniqueUsername("Sam") });
      const res = await api<Issued>(url(), "/api/session", { address: uniqueAddress(), body: { username: account.username.toUpperCase(), password: PASSWORD } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ userId: account.userId, username: account.username, name: account.name, token: expect.stringMatching(TOKEN_SHAPE) });
      expect(res.body.token).not.toBe(account.token);
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)).toMatchObject({ value: expect.any(String), attributes: { httponly: true, samesite: "Lax", path: "/" } });
      const socket = await connectClient(url(), { token: res.body.token });
      expect(socket.session).toMatchObject({ userId: account.userId, account: account.username });
    });

    it("when the username is unknown or the password wrong, then both answer 401 UNAUTHORIZED with the same body and no cookie", async () => {
      const account = await signUp(url());
      const wrong = await api(url(), "/api/session", { address: uniqueAddress(), body: { username: account.username, password: "not the password" } });
      const unknown = await api(url(), "/api/session", { address: uniqueAddress(), body: { username: uniqueUsername("nobody"), password: "not the password" } });
      expect(wrong).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
      expect(unknown.status).toBe(401);
      expect(unknown.text).toBe(wrong.text);
      expect(wrong.cookies).toEqual([]);
      expect(unknown.cookies).toEqual([]);
    });

    it("when unknown usernames and wrong passwords are tried, then their failures take similar time (medians within 3x)", async () => {
      const accounts = [await signUp(url()), await signUp(url())];
      // One warm-up each: a first verification may prepare something once.
      const time = async (username: string) => {
        const start = performance.now();
        const res = await api(url(), "/api/session", { address: uniqueAddress(), body: { username, password: "wrong password!" } });
        expect(res.status).toBe(401);
        return performance.now() - start;
      };
      await time(uniqueUsername("warm"));
      await time(accounts[0]!.username);
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < 6; i++) {
        unknown.push(await time(uniqueUsername("ghost")));
        wrong.push(await time(accounts[i % 2]!.username));
      }
      const [u, w] = [median(unknown), median(wrong)];
      expect(u, `unknown ${u.toFixed(1)} ms, wrong ${w.toFixed(1)} ms`).toBeGreaterThan(w / 3);
      expect(w, `unknown ${u.toFixed(1)} ms, wrong ${w.toFixed(1)} ms`).toBeGreaterThan(u / 3);
    });

    it("when one username has failed 5 times (from different addresses), then every attempt for it gets 429 RATE_LIMITED with Retry-After, the right password too, while other usernames still sign in", async () => {
      const account = await signUp(url());
      for (let i = 0; i < 5; i++) {
        const res = await api(url(), "/api/session", { address: uniqueAddress(), body: { username: account.username, password: `wrong password ${i}` } });
        expect(res.status, `failure ${i + 1}`).toBe(401);
      }
      for (const username of [account.username, account.username.toUpperCase()]) {
        const res = await api(url(), "/api/session", { address: uniqueAddress(), body: { username, password: PASSWORD } });
        expect(res).toMatchObject({ status: 429, body: error("RATE_LIMITED") });
        const retryAfter = Number(res.headers.get("retry-after"));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
        expect(res.cookies).toEqual([]);
      }
      const other = await signUp(url());
      expect((await signIn(url(), other.username)).userId).toBe(other.userId);
    });

    it("when a username that does not exist has failed 5 times, then it is limited too, and whoever claims it later cannot sign in with it until the window ends", async () => {
      const username = uniqueUsername("ghost");
      for (let i = 0; i < 5; i++) {
        expect((await api(url(), "/api/session", { address: uniqueAddress(), body: { username, password: `guess number ${i}` } })).status).toBe(401);
      }
      const sixth = await api(url(), "/api/session", { address: uniqueAddress(), body: { username, password: "guess number 6" } });
      expect(sixth).toMatchObject({ status: 429, body: error("RATE_LIMITED") });
      expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
      await signUp(url(), { username });
      expect((await api(url(), "/api/session", { address: uniqueAddress(), body: { username, password: PASSWORD } })).status).toBe(429);
    });

    it("when one address has failed 20 times across usernames, then its next attempt gets 429 with Retry-After, even with the right password, while other addresses still sign in", async () => {
      const account = await signUp(url());
      const address = uniqueAddress();
      for (let i = 0; i < 20; i++) {
        const res = await api(url(), "/api/session", { address, body: { username: uniqueUsername("spray"), password: "a common password" } });
        expect(res.status, `failure ${i + 1}`).toBe(401);
      }
      const res = await api(url(), "/api/session", { address, body: { username: account.username, password: PASSWORD } });
      expect(res).toMatchObject({ status: 429, body: error("RATE_LIMITED") });
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await signIn(url(), account.username, PASSWORD, { address: uniqueAddress() })).userId).toBe(account.userId);
    });
  });

  describe("the session", () => {
    it("when signed in, then GET /api/session answers who by cookie and by Bearer token; without, with a guest token or a forged token it answers 401", async () => {
      const account = await signUp(url(), { name: "Session Sue" });
      const me = { userId: account.userId, username: account.username, name: "Session Sue" };
      expect(await api(url(), "/api/session", { cookie: `${SESSION_COOKIE}=${account.token}` })).toMatchObject({ status: 200, body: me });
      const byBearer = await api(url(), "/api/session", { token: account.token });
      expect(byBearer).toMatchObject({ status: 200, body: me });
      expect(byBearer.text).not.toContain(account.token);

      const guest = await connectClient(url(), { name: "just a guest" });
      const forged = `${account.token.slice(0, -1)}${account.token.endsWith("A") ? "B" : "A"}`;
      for (const res of [
        await api(url(), "/api/session"),
        await api(url(), "/api/session", { token: guest.session.token! }),
        await api(url(), "/api/session", { token: forged }),
        await api(url(), "/api/session", { cookie: `${SESSION_COOKIE}=${forged}` }),
        await api(url(), "/api/session", { token: "a.not.a.token" }),
      ]) {
        expect(res).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
      }
    });

    it("when signing out, then it answers 204 and clears the cookie; the token then gets 401 over HTTP and UNAUTHORIZED on Socket.IO, and the session's open socket is disconnected", async () => {
      const account = await signUp(url());
      const other = await signIn(url(), account.username);
      const open = await connectClient(url(), { token: account.token });
      const otherSocket = await connectClient(url(), { token: other.token });
      const gone = disconnection(open.socket);

      const res = await api(url(), "/api/session", { method: "DELETE", token: account.token });
      expect(res.status).toBe(204);
      expect(res.text).toBe("");
      const cleared = res.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(cleared).toBeDefined();
      expect(cleared!.value === "" || Number(cleared!.attributes["max-age"]) <= 0 || Date.parse(String(cleared!.attributes.expires)) <= Date.now()).toBe(true);

      expect(await gone).toBe("io server disconnect");
      expect(await api(url(), "/api/session", { token: account.token })).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
      expect(await api(url(), "/api/session", { cookie: `${SESSION_COOKIE}=${account.token}` })).toMatchObject({ status: 401 });
      const byToken = await connectError(url(), { token: account.token });
      expect(byToken.message).toBe("UNAUTHORIZED");
      const byCookie = await connectError(url(), { name: "anyone" }, { extraHeaders: { Cookie: `${SESSION_COOKIE}=${account.token}` } });
      expect(byCookie.message).toBe("UNAUTHORIZED");

      // The account's other session goes on.
      expect(otherSocket.socket.connected).toBe(true);
      expect((await api(url(), "/api/session", { token: other.token })).status).toBe(200);
    });

    it("when a browser signed in by cookie signs out, then its cookie socket is disconnected and the cookie is gone", async () => {
      const account = await signUp(url());
      const browser = new Browser(url());
      expect((await browser.request("/api/session", { body: { username: account.username, password: PASSWORD } })).status).toBe(200);
      const cookie = browser.session!;
      const open = await connectClient(url(), { name: "ignored" }, { extraHeaders: { Cookie: `${SESSION_COOKIE}=${cookie}` } });
      expect(open.session.account).toBe(account.username);
      const gone = disconnection(open.socket);
      expect((await browser.request("/api/session", { method: "DELETE" })).status).toBe(204);
      expect(browser.session).toBeUndefined();
      await gone;
      expect((await api(url(), "/api/session", { cookie: `${SESSION_COOKIE}=${cookie}` })).status).toBe(401);
      // The original token of the sign-up is another session, still good.
      expect((await api(url(), "/api/session", { token: account.token })).status).toBe(200);
    });

    it("when a browser's session was ended on another device, then the next route that finds its cookie answers 401 and clears it", async () => {
      const account = await signUp(url());
      for (const path of ["/api/session", "/api/account", "/api/sessions", "/api/passkeys"]) {
        const browser = new Browser(url());
        expect((await browser.request("/api/session", { body: { username: account.username, password: PASSWORD } })).status).toBe(200);
        const ended = browser.session!;
        expect((await api(url(), "/api/sessions", { method: "DELETE", cookie: `${SESSION_COOKIE}=${ended}` })).status).toBe(204);
        const res = await browser.request(path);
        expect(res, path).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
        expect(res.cookies.map((c) => c.name), path).toContain(SESSION_COOKIE);
        expect(browser.session, path).toBeUndefined();
      }
    });

    it("when someone not signed in signs out, or signs out twice, then it answers 204", async () => {
      expect((await api(url(), "/api/session", { method: "DELETE" })).status).toBe(204);
      const account = await signUp(url());
      expect((await api(url(), "/api/session", { method: "DELETE", token: account.token })).status).toBe(204);
      expect((await api(url(), "/api/session", { method: "DELETE", token: account.token })).status).toBe(204);
      expect((await api(url(), "/api/session", { method: "DELETE", cookie: `${SESSION_COOKIE}=garbage` })).status).toBe(204);
    });

    it("when signing out comes from a page on another origin, then it answers 403 and the session goes on", async () => {
      const account = await signUp(url());
      const res = await api(url(), "/api/session", { method: "DELETE", cookie: `${SESSION_COOKIE}=${account.token}`, origin: "https://evil.example" });
      expect(res).toMatchObject({ status: 403, body: error("FORBIDDEN") });
      expect((await api(url(), "/api/session", { token: account.token })).status).toBe(200);
    });
  });

  describe("the account", () => {
    it("when signed in, then GET /api/account answers the account with hasPassword and no passkeys; signed out or as a guest it answers 401", async () => {
      const account = await signUp(url(), { name: "Acc Ount" });
      const res = await api<AccountInfo>(url(), "/api/account", { token: account.token });
      expect(res).toMatchObject({ status: 200 });
      expect(res.body).toEqual({ userId: account.userId, username: account.username, name: "Acc Ount", hasPassword: true, passkeys: [] });
      expect(res.text).not.toContain(account.token);
      const guest = await connectClient(url(), { name: "a guest" });
      expect(await api(url(), "/api/account")).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
      expect(await api(url(), "/api/account", { token: guest.session.token! })).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
    });

    it("when the name is changed, then it answers 200 with it and the next connection shows it", async () => {
      const account = await signUp(url(), { name: "Old Name" });
      const before = await connectClient(url(), { token: account.token });
      expect(before.session.name).toBe("Old Name");
      const res = await api(url(), "/api/account", { method: "PATCH", token: account.token, body: { name: "  New Name  " } });
      expect(res).toMatchObject({ status: 200, body: { userId: account.userId, username: account.username, name: "New Name" } });
      expect((await connectClient(url(), { token: account.token })).session.name).toBe("New Name");
      expect((await api<AccountInfo>(url(), "/api/account", { token: account.token })).body.name).toBe("New Name");
      expect((await api<Issued>(url(), "/api/session", { token: account.token })).body.name).toBe("New Name");
    });

    it("when the new name is another account's username (any case, full-width) or invalid, then it answers 409 NAME_TAKEN or 400 and the name stays", async () => {
      const other = await signUp(url());
      const account = await signUp(url(), { name: "Steady" });
      for (const name of [other.username, other.username.toUpperCase(), fullWidth(other.username)]) {
        expect(await api(url(), "/api/account", { method: "PATCH", token: account.token, body: { name } })).toMatchObject({ status: 409, body: error("NAME_TAKEN") });
      }
      for (const body of [{ name: "" }, { name: "<script>" }, { name: "x".repeat(25) }, { name: 7 }, { name: null }, {}, { name: "ok", username: "hijack" }]) {
        expect(await api(url(), "/api/account", { method: "PATCH", token: account.token, body }), JSON.stringify(body)).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
      }
      expect((await api<AccountInfo>(url(), "/api/account", { token: account.token })).body).toMatchObject({ name: "Steady", username: account.username });
      // Its own username, in capitals, is fine.
      expect((await api(url(), "/api/account", { method: "PATCH", token: account.token, body: { name: account.username.toUpperCase() } })).status).toBe(200);
    });

    it("when not signed in, then PATCH /api/account answers 401", async () => {
      const guest = await connectClient(url(), { name: "guest" });
      expect(await api(url(), "/api/account", { method: "PATCH", body: { name: "Nobody" } })).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
      expect(await api(url(), "/api/account", { method: "PATCH", token: guest.session.token!, body: { name: "Nobody" } })).toMatchObject({ status: 401 });
    });
  });

  describe("changing the password", () => {
    it("when the current password is right, then it answers 204; the new password signs in, the old does not, every other session ends and its socket is disconnected, and this one goes on", async () => {
      const account = await signUp(url());
      const other = await signIn(url(), account.username);
      const otherSocket = await connectClient(url(), { token: other.token });
      const mySocket = await connectClient(url(), { token: account.token });
      const gone = disconnection(otherSocket.socket);
      const res = await api(url(), "/api/account/password", { method: "PUT", token: account.token, body: { current: PASSWORD, password: "a brand new password" } });
      expect(res.status).toBe(204);
      await gone;
      expect((await api(url(), "/api/session", { token: other.token })).status).toBe(401);
      expect((await connectError(url(), { token: other.token })).message).toBe("UNAUTHORIZED");
      expect((await api(url(), "/api/session", { token: account.token })).status).toBe(200);
      expect(mySocket.socket.connected).toBe(true);
      expect((await api(url(), "/api/session", { address: uniqueAddress(), body: { username: account.username, password: PASSWORD } })).status).toBe(401);
      expect((await signIn(url(), account.username, "a brand new password")).userId).toBe(account.userId);
    });

    it("when the current password is wrong, then it answers 403 FORBIDDEN and nothing changes; when it is missing, the password is not changed either", async () => {
      const account = await signUp(url());
      const other = await signIn(url(), account.username);
      const wrong = await api(url(), "/api/account/password", { method: "PUT", token: account.token, body: { current: "not my password", password: "a brand new password" } });
      expect(wrong).toMatchObject({ status: 403, body: error("FORBIDDEN") });
      const missing = await api<ErrorBody>(url(), "/api/account/password", { method: "PUT", token: account.token, body: { password: "a brand new password" } });
      expect([400, 403]).toContain(missing.status);
      expect(["INVALID_INPUT", "FORBIDDEN"]).toContain(missing.body.error.code);
      expect((await api(url(), "/api/session", { token: other.token })).status).toBe(200);
      expect((await signIn(url(), account.username, PASSWORD)).userId).toBe(account.userId);
      expect((await api(url(), "/api/session", { address: uniqueAddress(), body: { username: account.username, password: "a brand new password" } })).status).toBe(401);
    });

    it("when the new password is too short or too long, or a field is unknown, then it answers 400 and nothing changes", async () => {
      const account = await signUp(url());
      for (const body of [
        { current: PASSWORD, password: "short" },
        { current: PASSWORD, password: "y".repeat(201) },
        { current: PASSWORD, password: 12345678901 },
        { current: PASSWORD },
        { current: PASSWORD, password: "a brand new password", also: 1 },
      ]) {
        expect(await api(url(), "/api/account/password", { method: "PUT", token: account.token, body }), JSON.stringify(body)).toMatchObject({ status: 400, body: error("INVALID_INPUT") });
      }
      expect((await signIn(url(), account.username, PASSWORD)).userId).toBe(account.userId);
    });

    it("when a wrong current password is given 5 times, then it counts like failed sign-ins: signing in with that username gets 429", async () => {
      const account = await signUp(url());
      for (let i = 0; i < 5; i++) {
        const res = await api(url(), "/api/account/password", { method: "PUT", address: uniqueAddress(), token: account.token, body: { current: `wrong ${i} password`, password: "a brand new password" } });
        expect(res.status, `attempt ${i + 1}`).toBe(403);
      }
      expect(await api(url(), "/api/session", { address: uniqueAddress(), body: { username: account.username, password: PASSWORD } })).toMatchObject({ status: 429, body: error("RATE_LIMITED") });
    });

    it("when not signed in, then it answers 401", async () => {
      expect(await api(url(), "/api/account/password", { method: "PUT", body: { current: PASSWORD, password: "a brand new password" } })).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
    });
  });

  describe("sessions", () => {
    it("when an account is signed in on three devices, then GET /api/sessions lists them most recent first with device, times and which one is asking, and no token", async () => {
      const account = await signUp(url(), {}, { userAgent: DESKTOP_CHROME });
      await new Promise((r) => setTimeout(r, 5));
      const phone = await signIn(url(), account.username, PASSWORD, { userAgent: ANDROID_CHROME });
      await new Promise((r) => setTimeout(r, 5));
      const mac = await signIn(url(), account.username, PASSWORD, { userAgent: MAC_FIREFOX });

      const res = await api<{ sessions: SessionInfo[] }>(url(), "/api/sessions", { token: phone.token });
      expect(res.status).toBe(200);
      const { sessions } = res.body;
      expect(sessions.map((s) => s.device)).toEqual(["Firefox on macOS", "Chrome on Android", "Chrome on Linux"]);
      expect(sessions.map((s) => s.current)).toEqual([false, true, false]);
      for (const s of sessions) {
        expect(Object.keys(s).sort()).toEqual(["createdAt", "current", "device", "id", "lastSeenAt"]);
        expect(s.createdAt).toMatch(ISO);
        expect(s.lastSeenAt).toMatch(ISO);
        expect(Date.parse(s.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(s.createdAt));
      }
      expect(new Set(sessions.map((s) => s.id)).size).toBe(3);
      for (const token of [account.token, phone.token, mac.token]) {
        expect(res.text).not.toContain(token);
        expect(res.text).not.toContain(token.split(".")[2]!);
      }
      expect(await api(url(), "/api/sessions")).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
    });

    it("when one session is ended by id, then it answers 204, that session's token is refused and its socket disconnected, and the others go on", async () => {
      const account = await signUp(url(), {}, { userAgent: DESKTOP_CHROME });
      const phone = await signIn(url(), account.username, PASSWORD, { userAgent: ANDROID_CHROME });
      const phoneSocket = await connectClient(url(), { token: phone.token });
      const desktopSocket = await connectClient(url(), { token: account.token });
      const { sessions } = (await api<{ sessions: SessionInfo[] }>(url(), "/api/sessions", { token: account.token })).body;
      const phoneSession = sessions.find((s) => s.device === "Chrome on Android")!;
      const gone = disconnection(phoneSocket.socket);

      expect((await api(url(), `/api/sessions/${phoneSession.id}`, { method: "DELETE", token: account.token })).status).toBe(204);
      expect(await gone).toBe("io server disconnect");
      expect((await api(url(), "/api/session", { token: phone.token })).status).toBe(401);
      expect((await connectError(url(), { token: phone.token })).message).toBe("UNAUTHORIZED");
      expect(desktopSocket.socket.connected).toBe(true);
      const left = (await api<{ sessions: SessionInfo[] }>(url(), "/api/sessions", { token: account.token })).body.sessions;
      expect(left.map((s) => s.id)).toEqual(sessions.filter((s) => s.id !== phoneSession.id).map((s) => s.id));
      // Ending it again: it is not one of the account's sessions any more.
      expect(await api(url(), `/api/sessions/${phoneSession.id}`, { method: "DELETE", token: account.token })).toMatchObject({ status: 404, body: error("NOT_FOUND") });
    });

    it("when the session id is another account's or unknown, then it answers 404 NOT_FOUND and that session goes on", async () => {
      const mallory = await signUp(url());
      const victim = await signUp(url());
      const victimSocket = await connectClient(url(), { token: victim.token });
      const victimSession = (await api<{ sessions: SessionInfo[] }>(url(), "/api/sessions", { token: victim.token })).body.sessions[0]!;
      for (const id of [victimSession.id, "AAAAAAAAAAAAAAAAAAAAAA", "nope", "%24ne"]) {
        expect(await api(url(), `/api/sessions/${id}`, { method: "DELETE", token: mallory.token }), id).toMatchObject({ status: 404, body: error("NOT_FOUND") });
      }
      expect((await api(url(), "/api/session", { token: victim.token })).status).toBe(200);
      expect(victimSocket.socket.connected).toBe(true);
      expect(await api(url(), `/api/sessions/${victimSession.id}`, { method: "DELETE" })).toMatchObject({ status: 401 });
    });

    it("when every session is ended, then it answers 204, every token of the account (this one too) is refused and every socket of the account is disconnected within 2 s, and other people stay", async () => {
      const account = await signUp(url());
      const second = await signIn(url(), account.username);
      const sockets = [
        await connectClient(url(), { token: account.token }),
        await connectClient(url(), { token: second.token }),
        await connectClient(url(), { name: "ignored" }, { extraHeaders: { Cookie: `${SESSION_COOKIE}=${second.token}` } }),
      ];
      const bystander = await signUp(url());
      const bystanderSocket = await connectClient(url(), { token: bystander.token });
      const guest = await connectClient(url(), { name: "guest" });
      const gone = sockets.map((s) => disconnection(s.socket, 2000));

      const res = await api(url(), "/api/sessions", { method: "DELETE", token: second.token });
      expect(res.status).toBe(204);
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)).toBeDefined();
      await Promise.all(gone);
      for (const token of [account.token, second.token]) {
        expect((await api(url(), "/api/session", { token })).status).toBe(401);
        expect((await connectError(url(), { token })).message).toBe("UNAUTHORIZED");
      }
      expect(bystanderSocket.socket.connected).toBe(true);
      expect(guest.socket.connected).toBe(true);
      expect((await api(url(), "/api/session", { token: bystander.token })).status).toBe(200);
      // The password still signs in: ending sessions is not a lock-out.
      expect((await signIn(url(), account.username)).userId).toBe(account.userId);
    });

    it("when not signed in, then DELETE /api/sessions answers 401", async () => {
      expect(await api(url(), "/api/sessions", { method: "DELETE" })).toMatchObject({ status: 401, body: error("UNAUTHORIZED") });
    });
  });
});

describe.each(STORES)("accounts behind no trusted proxy on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({ env: { ...storeEnv(), TRUST_PROXY: "false" } }));

  it("when a client claims X-Forwarded-Proto: https, then the cookie is still not Secure: only a trusted proxy is believed", async () => {
    const res = await api(env.server.url, "/api/accounts", { headers: { "X-Forwarded-Proto": "https" }, body: { username: uniqueUsername("plain"), password: PASSWORD } });
    expect(res.status).toBe(201);
    expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.attributes.secure).toBeUndefined();
  });

  it("when failures come with made-up X-Forwarded-For addresses, then they all count for the one real address", async () => {
    const account = await signUp(env.server.url, {}, { headers: { "X-Forwarded-For": "192.0.2.1" } });
    for (let i = 0; i < 20; i++) {
      const res = await api(env.server.url, "/api/session", { address: `192.0.2.${i + 10}`, body: { username: uniqueUsername("spray"), password: "a common password" } });
      expect(res.status, `failure ${i + 1}`).toBe(401);
    }
    const res = await api(env.server.url, "/api/session", { address: "198.51.100.7", body: { username: account.username, password: PASSWORD } });
    expect(res).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
  });
});
