/**
 * The accounts routes under attack and under observation (protocol v1.2,
 * docs/protocol.md "accounts", "Safety"): malformed, oversized and
 * hostile requests to every route are refused with the error shape and the
 * server stays up; passwords, tokens and cookies never reach a log line or
 * `/metrics`, and `chat_auth_total` counts what happened.
 */
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/logger.js";
import {
  api,
  Browser,
  PASSWORD,
  SESSION_COOKIE,
  signIn,
  signInWithPasskey,
  signUp,
  signUpWithPasskey,
  SoftAuthenticator,
  uniqueAddress,
  uniqueUsername,
  type ApiRequest,
  type Issued,
} from "../helpers/accounts.js";
import { connectClient, connectError, disconnectAll } from "../helpers/client.js";
import { scrape } from "../helpers/metrics.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { STORES } from "../helpers/stores.js";
import { useServer } from "../helpers/use-server.js";

type Route = { method: string; path: string };
/** Every route that takes a JSON body. */
const BODY_ROUTES: Route[] = [
  { method: "POST", path: "/api/accounts" },
  { method: "POST", path: "/api/session" },
  { method: "PATCH", path: "/api/account" },
  { method: "PUT", path: "/api/account/password" },
  { method: "POST", path: "/api/passkeys/registration/options" },
  { method: "POST", path: "/api/passkeys/registration" },
  { method: "POST", path: "/api/passkeys/authentication/options" },
  { method: "POST", path: "/api/passkeys/authentication" },
];
/** The others. */
const BODYLESS_ROUTES: Route[] = [
  { method: "GET", path: "/api/session" },
  { method: "DELETE", path: "/api/session" },
  { method: "GET", path: "/api/account" },
  { method: "GET", path: "/api/sessions" },
  { method: "DELETE", path: "/api/sessions/someid" },
  { method: "DELETE", path: "/api/sessions" },
  { method: "GET", path: "/api/passkeys" },
  { method: "DELETE", path: "/api/passkeys/someid" },
];
const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };
const label = (r: Route, what: string) => `${r.method} ${r.path}: ${what}`;

describe.each(STORES)("hostile requests to the accounts routes on the %s", (_store, storeEnv) => {
  const env = useServer(() => ({ env: { ...storeEnv(), TRUST_PROXY: "true" } }));
  const url = () => env.server.url;
  let account: Issued;
  /** Each request signed in (so the signed-in routes reach their body checks) and from its own address. */
  const send = (r: Route, req: ApiRequest) => api(url(), r.path, { method: r.method, token: account.token, address: uniqueAddress(), ...req });
  beforeAll(async () => {
    account = await signUp(env.server.url);
  });
  afterEach(async () => {
    // Whatever was sent, the server is still up, and still signs its people in.
    expect((await fetch(`${url()}/healthz`)).status).toBe(200);
    expect((await api(url(), "/api/session", { token: account.token })).status).toBe(200);
  });

  it("when a body is not valid JSON, not an object, or has bytes that are not UTF-8, then every route answers 400 INVALID_INPUT", async () => {
    const raws: (string | Uint8Array)[] = [
      "{",
      '{"username": "x",}',
      "{'username': 'x'}",
      "[]",
      '[{"username":"x","password":"y"}]',
      '"a string"',
      "42",
      "null",
      "true",
      "[".repeat(5000) + "]".repeat(5000),
      Uint8Array.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    ];
    for (const r of BODY_ROUTES) {
      for (const raw of raws) {
        const res = await send(r, { raw });
        expect(res, label(r, typeof raw === "string" ? raw.slice(0, 40) : "bad UTF-8")).toMatchObject({ status: 400, body: { error: { code: "INVALID_INPUT" } } });
      }
    }
  });

  it("when a body carries __proto__ or constructor.prototype, then every route refuses it with 400 and no object gains the key", async () => {
    const raws = [
      '{"__proto__": {"polluted": "yes"}}',
      '{"constructor": {"prototype": {"polluted": "yes"}}}',
      '{"username": "pollute_me", "password": "a long password", "__proto__": {"polluted": "yes", "isAdmin": true}}',
      '{"name": "Pat", "__proto__": {"polluted": "yes"}}',
      '{"response": {"__proto__": {"polluted": "yes"}}}',
    ];
    for (const r of BODY_ROUTES) {
      for (const raw of raws) {
        const res = await send(r, { raw });
        expect(res.status, label(r, raw)).toBeGreaterThanOrEqual(400);
        expect(res.status, label(r, raw)).toBeLessThan(500);
        expect(res.body, label(r, raw)).toMatchObject(errorShape);
      }
    }
    // The server runs in this process: a polluted prototype would show here.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((await api(url(), "/api/session", { address: uniqueAddress(), body: { username: "pollute_me", password: "a long password" } })).status).toBe(401);
  });

  it("when a body is over 16 KB (1 MB, or a small gzip that inflates to 10 MB), then every route answers 413 with the error shape; just under 16 KB is read", async () => {
    const big = JSON.stringify({ username: "big", password: "x".repeat(1024 * 1024) });
    const over = JSON.stringify({ username: "big", password: "x".repeat(17 * 1024) });
    const under = JSON.stringify({ username: "under", password: "x".repeat(15 * 1024) });
    const bomb = gzipSync(JSON.stringify({ username: "bomb", password: " ".repeat(10 * 1024 * 1024) }));
    for (const r of BODY_ROUTES) {
      for (const [what, raw] of [["1 MB", big], ["17 KB", over]] as const) {
        const res = await send(r, { raw });
        expect(res, label(r, what)).toMatchObject({ status: 413, body: errorShape });
      }
      const inflated = await send(r, { raw: bomb, headers: { "Content-Encoding": "gzip" } });
      expect(inflated, label(r, "gzip bomb")).toMatchObject({ body: errorShape });
      expect([400, 413, 415], label(r, "gzip bomb")).toContain(inflated.status);
      const read = await send(r, { raw: under });
      expect(read.status, label(r, "15 KB")).not.toBe(413);
      expect(read.status, label(r, "15 KB")).toBeLessThan(500);
    }
  });

  it("when a request comes from a page on another origin, then every state-changing route answers 403 FORBIDDEN", async () => {
    for (const r of [...BODY_ROUTES, ...BODYLESS_ROUTES.filter((b) => b.method !== "GET")]) {
      for (const origin of ["https://evil.example", "null", `${url()}.evil.example`, "http://127.0.0.1.evil.example"]) {
        const res = await send(r, { origin, ...(r.method === "DELETE" ? {} : { body: {} }) });
        expect(res, label(r, origin)).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
      }
    }
    expect((await api(url(), "/api/session", { token: account.token })).status).toBe(200);
  });

  it("when a body is sent as a form, text or multipart, or with no content type, then every route that takes a body answers 403 FORBIDDEN", async () => {
    for (const r of BODY_ROUTES) {
      for (const contentType of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", null]) {
        const res = await send(r, { raw: "{}", contentType });
        expect(res, label(r, String(contentType))).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
      }
    }
  });

  it("when the Authorization header or the cookie is garbage, huge or forged, then every route that needs an identity answers 401 with the error shape", async () => {
    const forged = `${account.token.slice(0, -2)}AA`;
    const identities: [string, ApiRequest][] = [
      ["Basic scheme", { headers: { Authorization: "Basic dXNlcjpwYXNz" } }],
      ["empty Bearer", { headers: { Authorization: "Bearer " } }],
      ["10 KB Bearer", { headers: { Authorization: `Bearer a.${"x".repeat(10_000)}` } }],
      ["forged token", { headers: { Authorization: `Bearer ${forged}` } }],
      ["operator-like token", { headers: { Authorization: 'Bearer {"$ne":null}' } }],
      ["NUL in cookie", { cookie: `${SESSION_COOKIE}=a.%00.%00` }],
      ["8 KB cookie", { cookie: `${SESSION_COOKIE}=${"y".repeat(8000)}` }],
      ["forged cookie", { cookie: `${SESSION_COOKIE}=${forged}` }],
    ];
    // Every route but signing out, which answers 204 to anyone.
    for (const r of BODYLESS_ROUTES.filter((b) => !(b.method === "DELETE" && b.path === "/api/session"))) {
      for (const [what, req] of identities) {
        const res = await api(url(), r.path, { method: r.method, ...req });
        expect(res, label(r, what)).toMatchObject({ status: 401, body: { error: { code: "UNAUTHORIZED" } } });
      }
    }
  });

  it("when ids in the path are strange (encoded slashes, NUL, bad percent-encoding, 1000 characters, operators), then it answers 404 or 400 with the error shape", async () => {
    const answers: { path: string; status: number; code: unknown }[] = [];
    for (const base of ["/api/sessions/", "/api/passkeys/"]) {
      for (const id of ["..%2F..%2Fsession", "%00", "%ff%fe", "%", "x".repeat(1000), "%7B%22%24ne%22%3Anull%7D", "__proto__", "constructor"]) {
        const res = await api<{ error?: { code: string } }>(url(), `${base}${id}`, { method: "DELETE", token: account.token });
        expect(res.body, `${base}${id.slice(0, 40)}`).toMatchObject(errorShape);
        answers.push({ path: `${base}${id.slice(0, 40)}`, status: res.status, code: res.body.error?.code });
      }
    }
    expect(answers.filter((a) => a.status !== 400 && a.status !== 404)).toEqual([]);
  });

  it("when usernames and passwords carry unicode tricks (NUL, lone surrogates, look-alike letters, direction marks), then sign-up answers 400 and sign-in 400 or 401, and nothing is created", async () => {
    const tricks = ["kid\u0000li", "kid\ud800", "kіd_li" /* Cyrillic і */, "\u212Aid_li" /* Kelvin sign */, "kid\u202Eil", "ｋｉｄ"];
    for (const username of tricks) {
      const res = await api(url(), "/api/accounts", { address: uniqueAddress(), body: { username, password: PASSWORD } });
      expect(res, JSON.stringify(username)).toMatchObject({ status: 400, body: { error: { code: "INVALID_INPUT" } } });
      const signIn = await api(url(), "/api/session", { address: uniqueAddress(), body: { username, password: PASSWORD } });
      expect([400, 401], JSON.stringify(username)).toContain(signIn.status);
      expect(signIn.body).toMatchObject(errorShape);
    }
    // A password is any text of 10–200 characters: one with a NUL and a direction mark is kept exactly.
    const password = "pass\u0000word\u202E with tricks";
    const made = await signUp(url(), { password });
    expect((await api(url(), "/api/session", { address: uniqueAddress(), body: { username: made.username, password: "password with tricks" } })).status).toBe(401);
    expect((await api(url(), "/api/session", { address: uniqueAddress(), body: { username: made.username, password } })).status).toBe(200);
  });

  it("when a route under /api does not exist, then it answers 404 with the error shape", async () => {
    for (const [method, path] of [["GET", "/api/nope"], ["POST", "/api/accounts/extra"], ["GET", "/api/accounts"], ["PUT", "/api/session"]] as const) {
      const res = await api(url(), path, { method, ...(method === "GET" ? {} : { body: {} }) });
      expect(res, `${method} ${path}`).toMatchObject({ status: 404, body: errorShape });
    }
  });
});

describe.each(STORES)("secrets in the logs and metrics of accounts on the %s", (_store, storeEnv) => {
  const raw: string[] = [];
  let server: TestServer;
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        raw.push(chunk.toString());
        callback();
      },
    });
    // The production logger (its redaction included), at info, writing to memory.
    const logger = createLogger({ logLevel: "info", env: "test" }, destination);
    server = await startServer({ logger, env: { ...storeEnv(), TRUST_PROXY: "true" } });
  });
  afterEach(disconnectAll);
  afterAll(() => server.close());

  it("when people sign up, sign in (by password and passkey), fail, change their password and sign out, then no log line holds a password, a token, its secret or a cookie, and the requests are logged", async () => {
    const secrets: string[] = [];
    const password = "first secret password 4c1d";
    const wrong = "wrong secret password 8e2f";
    const newPassword = "second secret password 9b7a";
    secrets.push(password, wrong, newPassword);

    const browser = new Browser(server.url);
    const signedUp = await browser.request<Issued>("/api/accounts", { body: { username: uniqueUsername("logged"), password } });
    expect(signedUp.status).toBe(201);
    const signedIn = await signIn(server.url, signedUp.body.username, password);
    expect((await api(server.url, "/api/session", { address: uniqueAddress(), body: { username: signedUp.body.username, password: wrong } })).status).toBe(401);
    await api(server.url, "/api/session", { token: signedIn.token });
    await api(server.url, "/api/account", { cookie: `${SESSION_COOKIE}=${signedUp.body.token}` });
    await fetch(`${server.url}/`, { headers: { Cookie: `${SESSION_COOKIE}=${signedIn.token}` } });
    const socket = await connectClient(server.url, { token: signedIn.token });
    await connectClient(server.url, { name: "x" }, { extraHeaders: { Cookie: `${SESSION_COOKIE}=${signedUp.body.token}` } });
    expect((await browser.request("/api/account/password", { method: "PUT", body: { current: password, password: newPassword } })).status).toBe(204);
    await new Promise((resolve) => (socket.socket.connected ? socket.socket.once("disconnect", resolve) : resolve(undefined)));
    expect((await connectError(server.url, { token: signedIn.token })).message).toBe("UNAUTHORIZED");

    const passkeyBrowser = new Browser(server.url);
    const authenticator = new SoftAuthenticator();
    const options = await passkeyBrowser.request<PublicKeyCredentialCreationOptionsJSON>("/api/passkeys/registration/options", { body: { username: uniqueUsername("plog") } });
    const challenge = passkeyBrowser.cookies.get("chat_webauthn");
    const registered = await passkeyBrowser.request<Issued>("/api/passkeys/registration", { body: { response: authenticator.register(options.body, passkeyBrowser.origin) } });
    expect(registered.status).toBe(201);
    const passkeySignIn = await signInWithPasskey(new Browser(server.url), authenticator);
    expect(passkeySignIn.status).toBe(200);
    expect((await browser.request("/api/session", { method: "DELETE" })).status).toBe(204);

    for (const token of [signedUp.body.token, signedIn.token, registered.body.token, passkeySignIn.body.token]) {
      secrets.push(token, token.split(".")[2]!);
    }
    if (challenge) secrets.push(challenge);
    await expect.poll(() => raw.join("").includes("/api/accounts")).toBe(true);
    const logs = raw.join("");
    for (const secret of secrets) expect(logs, `a secret (${secret.slice(0, 6)}…) was logged`).not.toContain(secret);
    expect(logs).not.toMatch(/"authorization"|"cookie"|"set-cookie"/i);
  });

  it("when people sign up, sign in and fail, then chat_auth_total counts each by method and result, and /metrics holds no token, password or username", async () => {
    const before = await scrape(server.url);
    const count = (m: Awaited<ReturnType<typeof scrape>>, method: string, result: string) => m.value("chat_auth_total", { method, result });

    const account = await signUp(server.url);
    const issued = await signIn(server.url, account.username);
    for (let i = 0; i < 5; i++) await api(server.url, "/api/session", { address: uniqueAddress(), body: { username: account.username, password: `wrong password ${i}` } });
    const limited = await api(server.url, "/api/session", { address: uniqueAddress(), body: { username: account.username, password: PASSWORD } });
    expect(limited.status).toBe(429);
    const authenticator = new SoftAuthenticator();
    const passkeyBrowser = new Browser(server.url);
    const passkeyAccount = await signUpWithPasskey(passkeyBrowser, authenticator, { username: uniqueUsername("pmetric") });
    const passkeySignIn = await signInWithPasskey(new Browser(server.url), authenticator);
    expect((await new Browser(server.url).request("/api/passkeys/authentication", { body: { response: {} } })).status).toBe(401);

    const after = await scrape(server.url);
    expect(count(after, "password", "signed_up") - count(before, "password", "signed_up")).toBe(1);
    expect(count(after, "password", "signed_in") - count(before, "password", "signed_in")).toBe(1);
    expect(count(after, "password", "failed") - count(before, "password", "failed")).toBe(5);
    expect(count(after, "password", "rate_limited") - count(before, "password", "rate_limited")).toBe(1);
    expect(count(after, "passkey", "signed_up") - count(before, "passkey", "signed_up")).toBe(1);
    expect(count(after, "passkey", "signed_in") - count(before, "passkey", "signed_in")).toBe(1);
    expect(count(after, "passkey", "failed") - count(before, "passkey", "failed")).toBe(1);

    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const token of [account.token, issued.token, passkeyAccount.body.token, passkeySignIn.body.token]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split(".")[2]!);
    }
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(account.username);
    expect(text).not.toContain(passkeyAccount.body.username);
  });
});
