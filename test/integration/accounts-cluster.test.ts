/**
 * Accounts on two nodes sharing MongoDB and Redis (protocol v1.2,
 * docs/protocol.md "accounts"): a session made on one node is good on the
 * other; ending sessions on one node disconnects the account's sockets on
 * the other within 2 s; failed sign-ins count across nodes; a passkey
 * ceremony may start on one node and finish on the other; the account mark
 * on people crosses nodes.
 */
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import type { JoinResult } from "../../server/protocol.js";
import {
  api,
  Browser,
  disconnection,
  PASSWORD,
  signIn,
  signUp,
  SoftAuthenticator,
  uniqueAddress,
  uniqueUsername,
  type Issued,
  type SessionInfo,
} from "../helpers/accounts.js";
import { connectClient, connectError, nextPresence, ok, until } from "../helpers/client.js";
import { clusterEnv, useNodes } from "../helpers/cluster.js";
import type { ServerProcess } from "../helpers/process.js";
import { REDIS_URL } from "../helpers/redis.js";

const error = (code: string) => ({ error: { code, message: expect.any(String) } });

describe("accounts across two nodes over Redis (MongoDB)", () => {
  const cluster = useNodes(2, clusterEnv(REDIS_URL, { TRUST_PROXY: "true", RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" }));
  const nodes = () => cluster.nodes as [ServerProcess, ServerProcess];

  it("when someone signs up on node A, then the token signs in on node B, over HTTP and Socket.IO", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url, { name: "Across" });
    expect(await api(b.url, "/api/session", { token: account.token })).toMatchObject({ status: 200, body: { userId: account.userId, username: account.username } });
    const onB = await connectClient(b.url, { token: account.token });
    expect(onB.session).toMatchObject({ userId: account.userId, name: "Across", account: account.username });
    expect((await signIn(b.url, account.username)).userId).toBe(account.userId);
  });

  it("when every session is ended on node A, then the account's sockets on both nodes are disconnected within 2 s and its tokens are refused on both", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url);
    const second = await signIn(b.url, account.username);
    const onA = await connectClient(a.url, { token: account.token });
    const onB = await connectClient(b.url, { token: second.token });
    const alsoOnB = await connectClient(b.url, { token: account.token });
    const bystander = await connectClient(b.url, { token: (await signUp(b.url)).token });
    const start = Date.now();
    const gone = [onA, onB, alsoOnB].map((c) => disconnection(c.socket, 2000));

    expect((await api(a.url, "/api/sessions", { method: "DELETE", token: account.token })).status).toBe(204);
    await Promise.all(gone);
    expect(Date.now() - start).toBeLessThan(2000);
    for (const node of [a, b]) {
      for (const token of [account.token, second.token]) {
        expect((await api(node.url, "/api/session", { token })).status).toBe(401);
        expect((await connectError(node.url, { token })).message).toBe("UNAUTHORIZED");
      }
    }
    expect(bystander.socket.connected).toBe(true);
  });

  it("when one session is ended by id on node A, then its socket on node B is disconnected within 2 s and the account's other socket on node B stays", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url);
    const phone = await signIn(b.url, account.username, PASSWORD, { userAgent: "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36" });
    const phoneOnB = await connectClient(b.url, { token: phone.token });
    const desktopOnB = await connectClient(b.url, { token: account.token });
    const sessions = (await api<{ sessions: SessionInfo[] }>(a.url, "/api/sessions", { token: account.token })).body.sessions;
    const phoneSession = sessions.find((s) => !s.current)!;
    const gone = disconnection(phoneOnB.socket, 2000);

    expect((await api(a.url, `/api/sessions/${phoneSession.id}`, { method: "DELETE", token: account.token })).status).toBe(204);
    await gone;
    expect(desktopOnB.socket.connected).toBe(true);
    expect((await api(b.url, "/api/session", { token: phone.token })).status).toBe(401);
    expect((await api(b.url, "/api/session", { token: account.token })).status).toBe(200);
  });

  it("when a device signs out on node A, then its socket on node B is disconnected within 2 s", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url);
    const onB = await connectClient(b.url, { token: account.token });
    const gone = disconnection(onB.socket, 2000);
    expect((await api(a.url, "/api/session", { method: "DELETE", token: account.token })).status).toBe(204);
    await gone;
  });

  it("when the password is changed on node A, then the account's other sessions' sockets on node B are disconnected and this session's stays", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url);
    const other = await signIn(b.url, account.username);
    const otherOnB = await connectClient(b.url, { token: other.token });
    const mineOnB = await connectClient(b.url, { token: account.token });
    const gone = disconnection(otherOnB.socket, 2000);
    expect((await api(a.url, "/api/account/password", { method: "PUT", token: account.token, body: { current: PASSWORD, password: "changed on node a" } })).status).toBe(204);
    await gone;
    expect(mineOnB.socket.connected).toBe(true);
  });

  it("when a username fails 3 times on node A and twice on node B, then the next attempt gets 429 on either node", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url);
    for (const [node, times] of [[a, 3], [b, 2]] as const) {
      for (let i = 0; i < times; i++) {
        expect((await api(node.url, "/api/session", { address: uniqueAddress(), body: { username: account.username, password: `wrong password ${i}` } })).status).toBe(401);
      }
    }
    for (const node of [b, a]) {
      const res = await api(node.url, "/api/session", { address: uniqueAddress(), body: { username: account.username, password: PASSWORD } });
      expect(res, node.url).toMatchObject({ status: 429, body: error("RATE_LIMITED") });
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("when one address fails 10 times on each node, then its next attempt gets 429 on either node", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url);
    const address = uniqueAddress();
    for (const node of [a, b]) {
      for (let i = 0; i < 10; i++) {
        expect((await api(node.url, "/api/session", { address, body: { username: uniqueUsername("spray"), password: "a common password" } })).status).toBe(401);
      }
    }
    for (const node of [a, b]) {
      expect(await api(node.url, "/api/session", { address, body: { username: account.username, password: PASSWORD } }), node.url).toMatchObject({ status: 429, body: error("RATE_LIMITED") });
    }
  });

  it("when a guest on node A becomes an account, then its guest token is refused on node B", async () => {
    const [a, b] = nodes();
    const guest = await connectClient(a.url, { name: "Cluster Guest" });
    const res = await api<Issued>(a.url, "/api/accounts", { address: uniqueAddress(), token: guest.session.token!, body: { username: uniqueUsername("cguest"), password: PASSWORD } });
    expect(res.body.userId).toBe(guest.session.userId);
    expect((await connectError(b.url, { name: "Cluster Guest", token: guest.session.token })).message).toBe("UNAUTHORIZED");
    expect((await connectClient(b.url, { token: res.body.token })).session.userId).toBe(guest.session.userId);
  });

  it("when a username is claimed on node A, then a guest with that name is refused NAME_TAKEN on node B", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url);
    expect((await connectError(b.url, { name: account.username.toUpperCase() })).message).toBe("NAME_TAKEN");
  });

  it("when a signed-in socket on node B is in a room, then people on node A see its account in join, presence and members", async () => {
    const [a, b] = nodes();
    const account = await signUp(a.url, { name: "Marked" });
    const room = `acct-x-${Date.now().toString(36)}`;
    const guest = await connectClient(a.url, { name: "watcher" });
    await ok(guest.socket, "join", room);
    const presence = nextPresence(guest.socket, (p) => p.room === room && (p.joined ?? []).some((j) => j.userId === account.userId));
    const signedIn = await connectClient(b.url, { token: account.token });
    await ok(signedIn.socket, "join", room);
    expect((await presence).joined?.find((j) => j.userId === account.userId)).toMatchObject({ name: "Marked", account: account.username });
    const late = await connectClient(a.url, { name: "latecomer" });
    await until(async () => (await ok<JoinResult>(late.socket, "join", room)).count === 3);
    const joined = await ok<JoinResult>(late.socket, "join", room);
    expect(joined.people.find((p) => p.userId === account.userId)).toMatchObject({ name: "Marked", account: account.username, sockets: [signedIn.socket.id] });
    expect(joined.members.find((m) => m.userId === account.userId)).toMatchObject({ account: account.username });
    expect(joined.people.find((p) => p.userId === guest.session.userId)?.account).toBeUndefined();
  });

  it("when a passkey ceremony starts on node A and finishes on node B, then it signs up, and the passkey signs in on either node", async () => {
    const [a, b] = nodes();
    const authenticator = new SoftAuthenticator();
    const address = uniqueAddress();
    const onA = new Browser(a.url, { address });
    const onB = new Browser(b.url, { address });
    const options = await onA.request<PublicKeyCredentialCreationOptionsJSON>("/api/passkeys/registration/options", { body: { username: uniqueUsername("cpass") } });
    expect(options.status).toBe(200);
    // Behind one balancer both nodes serve one origin; here each node is its own origin, with the same host name (the relying party).
    for (const [k, v] of onA.cookies) onB.cookies.set(k, v);
    const registered = await onB.request<Issued>("/api/passkeys/registration", { body: { response: authenticator.register(options.body, onB.origin) } });
    expect(registered.status).toBe(201);

    for (const [start, finish] of [[onB, onA], [onA, onB]] as const) {
      const request = await start.request<{ challenge: string; rpId?: string }>("/api/passkeys/authentication/options", { body: {} });
      for (const [k, v] of start.cookies) finish.cookies.set(k, v);
      const signedIn = await finish.request<Issued>("/api/passkeys/authentication", { body: { response: authenticator.authenticate(request.body, finish.origin) } });
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.userId).toBe(registered.body.userId);
    }
  });
});
