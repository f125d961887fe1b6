/**
 * Typing in a private conversation: `typing { toUser }` reaches every socket
 * of that person as `{ with, user, typing }`, and nobody else; the ack tells
 * nothing about the person addressed.
 */
import { describe, expect, it } from "vitest";
import type { TypingNotice } from "../../server/protocol.js";
import { call, connectClient, flush, nextEvent, ok, type TestSocket } from "../helpers/client.js";
import { clusterEnv, useNodes } from "../helpers/cluster.js";
import type { ServerProcess } from "../helpers/process.js";
import { useServer } from "../helpers/use-server.js";

/** Every `typing` a socket hears. */
const heard = (socket: TestSocket): TypingNotice[] => {
  const notices: TypingNotice[] = [];
  socket.on("typing", (n) => notices.push(n));
  return notices;
};

describe("typing in private conversations", () => {
  const env = useServer();

  it("when Ada types to Bob, then every tab of Bob's hears it with Ada's userId, and no one else does", async () => {
    const ada = await connectClient(env.server.url, { name: "Ada" });
    const adaOtherTab = await connectClient(env.server.url, { name: "Ada", token: ada.session.token });
    const bob = await connectClient(env.server.url, { name: "Bob" });
    const bobOtherTab = await connectClient(env.server.url, { name: "Bob", token: bob.session.token });
    const cyd = await connectClient(env.server.url, { name: "Cyd" });
    // Cyd shares a room with Ada: room typing must not leak the private one either.
    await ok(ada.socket, "join", "chat");
    await ok(cyd.socket, "join", "chat");
    const overheard = [ada, adaOtherTab, cyd].map((c) => heard(c.socket));

    const expected = { with: ada.session.userId, user: { userId: ada.session.userId, name: "Ada", socketId: ada.socket.id }, typing: true };
    const notices = [bob, bobOtherTab].map((c) => nextEvent(c.socket, "typing"));
    expect(await ok(ada.socket, "typing", { toUser: bob.session.userId, typing: true })).toEqual({ ok: true });
    for (const notice of await Promise.all(notices)) expect(notice).toEqual(expected);

    const stopped = nextEvent(bob.socket, "typing");
    ada.socket.emit("typing", { toUser: bob.session.userId, typing: false });
    expect(await stopped).toEqual({ ...expected, typing: false });

    // Typing to oneself reaches none of one's own tabs.
    await ok(ada.socket, "typing", { toUser: ada.session.userId, typing: true });
    await Promise.all([ada, adaOtherTab, bob, cyd].map((c) => flush(c.socket)));
    expect(overheard).toEqual([[], [], []]);
  });

  it("when someone types to a person who is offline, never connected or made up, then the ack is the same empty one", async () => {
    const eve = await connectClient(env.server.url, { name: "Eve" });
    const gone = await connectClient(env.server.url, { name: "Gone" });
    const goneId = gone.session.userId;
    gone.socket.disconnect();
    const online = await connectClient(env.server.url, { name: "Online" });
    const acks = [];
    for (const toUser of [online.session.userId, goneId, "neverConnected123", "x"]) acks.push(await call(eve.socket, "typing", { toUser, typing: true }));
    expect(acks).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
  });

  it("when the payload names both a room and a person, neither, or a malformed one, then it is refused as INVALID_INPUT", async () => {
    const ada = await connectClient(env.server.url, { name: "Ada" });
    const bob = await connectClient(env.server.url, { name: "Bob" });
    await ok(ada.socket, "join", "chat");
    const bobHeard = heard(bob.socket);
    const bad = [
      { room: "chat", toUser: bob.session.userId, typing: true },
      { typing: true },
      { toUser: "not an id!", typing: true },
      { toUser: "", typing: true },
      { toUser: "a".repeat(65), typing: true },
      { toUser: bob.session.userId, typing: "yes" },
      { toUser: bob.session.userId },
      { toUser: { $gt: "" }, typing: true },
      { toUser: bob.session.userId, typing: true, with: bob.session.userId },
    ];
    for (const payload of bad) {
      expect(await call(ada.socket, "typing", payload), JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
    }
    await flush(bob.socket);
    expect(bobHeard).toEqual([]);
  });

  it("when someone floods a person with typing, then that person hears at most the bucket's worth", async () => {
    const flooder = await connectClient(env.server.url, { name: "Flooder" });
    const target = await connectClient(env.server.url, { name: "Target" });
    const notices = heard(target.socket);
    for (let i = 0; i < 300; i++) flooder.socket.emit("typing", { toUser: target.session.userId, typing: i % 2 === 0 });
    await flush(flooder.socket);
    await flush(target.socket);
    expect(notices.length).toBeGreaterThan(0);
    expect(notices.length).toBeLessThanOrEqual(25);
    expect(await call(flooder.socket, "typing", { toUser: target.session.userId, typing: true })).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
  });
});

describe("typing in private conversations across two nodes over Redis", () => {
  const cluster = useNodes(2, clusterEnv());

  it("when Ada on one node types to Bob, then Bob's tabs on both nodes hear it, and Ada's own tab on the other node does not", async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const ada = await connectClient(n1.url, { name: "Ada" });
    const adaOnN2 = await connectClient(n2.url, { name: "Ada", token: ada.session.token });
    const bob = await connectClient(n2.url, { name: "Bob" });
    const bobOnN1 = await connectClient(n1.url, { name: "Bob", token: bob.session.token });
    const overheard = heard(adaOnN2.socket);
    const atBob = [bob, bobOnN1].map((c) => nextEvent(c.socket, "typing"));
    await ok(ada.socket, "typing", { toUser: bob.session.userId, typing: true });
    for (const notice of await Promise.all(atBob)) expect(notice).toMatchObject({ with: ada.session.userId, typing: true });
    await flush(adaOnN2.socket);
    expect(overheard).toEqual([]);
  });
});
