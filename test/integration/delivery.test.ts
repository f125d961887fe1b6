import { afterEach, describe, expect, it } from "vitest";
import type { Ack, ChatMessage, Page } from "../../server/protocol.js";
import { fetchNewer } from "../../public/src/delivery.js";
import { call, connectClient, disconnectAll, ok, readAllHistory, until } from "../helpers/client.js";
import { freshDatabaseUri } from "../helpers/mongo.js";
import { spawnServer, type ServerProcess } from "../helpers/process.js";
import { allDrained, pumpClient, type PumpClient } from "../helpers/pump-client.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { tempDataDir } from "../helpers/storage.js";

type Sent = { message: ChatMessage };

describe("delivery across dropped connections", () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    disconnectAll();
    for (const s of servers.splice(0)) await s.close();
  });

  it("when a connection drops briefly, then connection-state recovery delivers exactly what was missed", async () => {
    const server = await startServer();
    servers.push(server);
    const alice = await connectClient(server.url, { name: "alice" }, { reconnection: true });
    const bob = await connectClient(server.url, { name: "bob" });
    await ok(alice.socket, "join", "recover");
    await ok(bob.socket, "join", "recover");
    const aliceId = alice.socket.id!;
    const received: ChatMessage[] = [];
    alice.socket.on("message", (m) => received.push(m));

    alice.socket.io.engine.close();
    await until(() => !server.chat.io.sockets.sockets.has(aliceId));
    const missed: ChatMessage[] = [];
    for (let i = 0; i < 3; i++) {
      missed.push((await ok<Sent>(bob.socket, "message", { room: "recover", text: `while away ${i}` })).message);
    }
    await until(() => alice.socket.connected && received.length === 3);
    expect(alice.socket.recovered).toBe(true);
    expect(alice.socket.id).toBe(aliceId);
    expect(received).toEqual(missed);
  });

  /**
   * A server keeping 5 packets for replay, alice and bob in `room`, and alice
   * dropped. She comes back only when the test calls `alice.socket.connect()`,
   * with the session and offset she had.
   */
  async function aliceAwayFromSmallReplay(room: string) {
    const server = await startServer({ env: { RECOVERY_MAX_PACKETS: "5", RATE_LIMIT_BURST: "100" } });
    servers.push(server);
    const alice = await connectClient(server.url, { name: "alice" });
    const bob = await connectClient(server.url, { name: "bob" });
    await ok(alice.socket, "join", room);
    await ok(bob.socket, "join", room);
    const seen: ChatMessage[] = [];
    alice.socket.on("message", (m) => seen.push(m));
    const send = async (text: string) => (await ok<Sent>(bob.socket, "message", { room, text })).message;
    const before = await send("before");
    await until(() => seen.length === 1);
    const aliceId = alice.socket.id!;
    alice.socket.io.engine.close();
    await until(() => !server.chat.io.sockets.sockets.has(aliceId));
    return { server, alice, seen, send, before, aliceId };
  }

  it("when a dropped connection missed more than the node keeps for replay, then it is not recovered and history gives it the gap", async () => {
    const { alice, seen, send, before, aliceId } = await aliceAwayFromSmallReplay("bounded");
    const missed: ChatMessage[] = [];
    for (let i = 0; i < 20; i++) missed.push(await send(`while away ${i}`));
    alice.socket.connect();
    await until(() => alice.socket.connected);
    // The offset it last saw is gone: a new session, and nothing half-replayed.
    expect(alice.socket.recovered).toBe(false);
    expect(alice.socket.id).not.toBe(aliceId);
    expect(seen).toEqual([before]);
    await ok(alice.socket, "join", "bounded");
    const page = await ok<Page>(alice.socket, "history", { room: "bounded", after: before.id, limit: 50 });
    expect(page.messages).toEqual(missed);
  });

  it("when many sockets connect while one is away, then their own `session` events take no place in the replay buffer", async () => {
    const { server, alice, seen, send, before, aliceId } = await aliceAwayFromSmallReplay("crowded");
    const missed = [await send("while away 0"), await send("while away 1")];
    // Ten `session` events, each to one socket: kept, they would push both missed messages out of a 5-packet buffer.
    for (let i = 0; i < 10; i++) await connectClient(server.url, { name: `newcomer${i}` });
    expect(alice.socket.connected).toBe(false);
    alice.socket.connect();
    await until(() => alice.socket.connected && seen.length === 3);
    expect(alice.socket.recovered).toBe(true);
    expect(alice.socket.id).toBe(aliceId);
    expect(seen).toEqual([before, ...missed]);
  });

  it("when recovery is impossible because the server restarted, then history after the last id returns exactly the gap", async () => {
    // One database file for both lives of the server.
    const env = { RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000", DATA_DIR: tempDataDir() };
    const first = await startServer({ env });
    const alice = await connectClient(first.url, { name: "alice" }, { reconnection: true });
    const bob = await connectClient(first.url, { name: "bob" }, { reconnection: true });
    await ok(alice.socket, "join", "gap");
    await ok(bob.socket, "join", "gap");
    const view = new Map<string, ChatMessage>();
    alice.socket.on("message", (m) => view.set(m.id, m));
    for (let i = 0; i < 5; i++) await ok<Sent>(bob.socket, "message", { room: "gap", text: `before ${i}` });
    await until(() => view.size === 5);

    const disconnected = new Promise((r) => alice.socket.once("disconnect", r));
    await first.close();
    await disconnected;
    const second = await startServer({ env, port: first.port });
    servers.push(second);
    await until(() => bob.socket.connected, 10_000);
    await ok(bob.socket, "join", "gap");
    for (let i = 0; i < 130; i++) await ok<Sent>(bob.socket, "message", { room: "gap", text: `during ${i}` });

    await until(() => alice.socket.connected, 10_000);
    expect(alice.socket.recovered).toBe(false);
    const last = [...view.keys()].sort().at(-1)!;
    const res = await fetchNewer((q) => call(alice.socket, "history", q) as Promise<Ack<Page>>, { room: "gap" }, last);
    expect(res.ok).toBe(true);
    if (res.ok) for (const m of res.messages) view.set(m.id, m);
    const all = await readAllHistory(alice.socket, "gap");
    expect(all).toHaveLength(135);
    expect([...view.values()].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(all);
  });
});

describe("graceful shutdown", () => {
  let proc: ServerProcess | undefined;
  let clients: PumpClient[] = [];
  afterEach(() => {
    for (const c of clients) c.close();
    clients = [];
    proc?.kill("SIGKILL");
    proc = undefined;
  });

  it("when SIGTERM arrives with writes in flight, then they are acked, the process exits cleanly within 10 s, and clients resume on restart with nothing lost or doubled", async () => {
    const env = { MONGODB_URI: freshDatabaseUri(), RATE_LIMIT_BURST: "10000", RATE_LIMIT_PER_SECOND: "10000" };
    proc = await spawnServer(env);
    const port = proc.port;
    clients = await Promise.all(Array.from({ length: 8 }, (_, i) => pumpClient(proc!.url, `c${i}`, "shutdown")));
    for (const c of clients) for (let i = 0; i < 40; i++) c.send(`${c.name} says ${i}`);
    await until(() => clients.reduce((n, c) => n + c.acked.size, 0) >= 60, 20_000);

    const termAt = Date.now();
    proc.kill("SIGTERM");
    const code = await proc.exited;
    expect(code).toBe(0);
    expect(Date.now() - termAt).toBeLessThan(10_000);
    expect(proc.output()).toContain("shut down cleanly");

    proc = await spawnServer(env, port);
    await allDrained(clients, 30_000);
    for (const c of clients) expect(c.failed).toEqual([]);

    const reader = await connectClient(proc.url, { name: "reader" });
    const stored = await readAllHistory(reader.socket, "shutdown");
    const attempted = clients.flatMap((c) => c.attempted);
    expect(stored).toHaveLength(attempted.length);
    expect(new Set(stored.map((m) => m.clientId))).toEqual(new Set(attempted));
    for (const c of clients) {
      // Each sender's messages are stored in the order it sent them.
      const mine = stored.filter((m) => m.from.name === c.name).map((m) => m.clientId);
      expect(mine).toEqual(c.attempted);
      for (const [clientId, message] of c.acked) expect(stored.find((m) => m.clientId === clientId)).toEqual(message);
    }
    reader.socket.disconnect();
  }, 90_000);
});
