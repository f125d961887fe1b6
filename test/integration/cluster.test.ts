import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { ChatMessage, JoinResult, RoomInfo } from "../../server/protocol.js";
import { startBalancer, type Balancer } from "../helpers/balancer.js";
import {
  collectMessages,
  connectClient,
  disconnectAll,
  flush,
  nextEvent,
  nextPresence,
  ok,
  readAllHistory,
  until,
  type TestSocket,
} from "../helpers/client.js";
import { freePort, spawnServer, type ServerProcess } from "../helpers/process.js";
import { allDrained, pumpClient, type PumpClient } from "../helpers/pump-client.js";
import { REDIS_URL, startPrivateRedis, uniquePrefix, type PrivateRedis } from "../helpers/redis.js";
import { clusterEnv, useNodes } from "../helpers/cluster.js";

type Sent = { message: ChatMessage };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readyz = async (node: ServerProcess) => (await fetch(`${node.url}/readyz`)).status;
/** The rooms list, asked at most twice a second (the rate limit of `rooms`) when polled. */
const roomsOf = async (socket: TestSocket) => {
  await sleep(500);
  return (await ok<{ rooms: RoomInfo[] }>(socket, "rooms")).rooms;
};

const nodeEnv = (redisUrl: string) => clusterEnv(redisUrl, { RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" });

describe("three nodes over Redis", () => {
  let balancer: Balancer | undefined;
  const pumps: PumpClient[] = [];
  const cluster = useNodes(3, nodeEnv(REDIS_URL));
  afterEach(() => {
    for (const p of pumps.splice(0)) p.close();
  });
  afterAll(async () => {
    await balancer?.close();
  });

  it("when people are on different nodes, then rooms, presence, counts, broadcasts, private messages and typing all cross", async () => {
    const [n1, n2, n3] = cluster.nodes as [ServerProcess, ServerProcess, ServerProcess];
    const a = await connectClient(n1.url, { name: "ann" });
    const b = await connectClient(n2.url, { name: "ben" });
    const c = await connectClient(n3.url, { name: "cai" });
    await ok(a.socket, "join", "x-chat");
    await ok(b.socket, "join", "x-chat");
    // Each node learns of the others' joins a moment later, over Redis.
    await until(async () => (await ok<{ rooms: RoomInfo[] }>(c.socket, "rooms")).rooms.some((r) => r.name === "x-chat" && r.members === 2));
    const allThree = nextPresence(a.socket, (p) => p.room === "x-chat" && p.count === 3);
    const joined = await ok<JoinResult>(c.socket, "join", "x-chat");
    expect(joined.members.map((m) => m.socketId).sort()).toEqual([a.socket.id, b.socket.id, c.socket.id].sort());
    expect(joined.count).toBe(3);
    expect((await allThree).joined?.map((p) => p.name)).toContain("cai");

    const { rooms } = await ok<{ rooms: RoomInfo[] }>(b.socket, "rooms");
    expect(rooms).toContainEqual({ name: "x-chat", members: 3 });

    const atB = nextEvent(b.socket, "message", (m) => m.kind === "room");
    const atC = nextEvent(c.socket, "message", (m) => m.kind === "room");
    const sent = (await ok<Sent>(a.socket, "message", { room: "x-chat", text: "hello from node 1" })).message;
    expect(await atB).toEqual(sent);
    expect(await atC).toEqual(sent);

    const bcA = nextEvent(a.socket, "message", (m) => m.kind === "broadcast");
    const bcC = nextEvent(c.socket, "message", (m) => m.kind === "broadcast");
    const broadcast = (await ok<Sent>(b.socket, "broadcast", { text: "to every node" })).message;
    expect(await bcA).toEqual(broadcast);
    expect(await bcC).toEqual(broadcast);

    const bGot = collectMessages(b.socket);
    const dmAtA = nextEvent(a.socket, "message", (m) => m.kind === "private");
    const dm = (await ok<Sent>(c.socket, "private message", { to: a.socket.id, text: "psst, node 3 to node 1" })).message;
    expect(dm.to).toEqual({ userId: a.session.userId, name: "ann", socketId: a.socket.id });
    expect(await dmAtA).toEqual(dm);
    await flush(b.socket);
    expect(bGot.filter((m) => m.kind === "private")).toEqual([]);

    const typingAtB = nextEvent(b.socket, "typing");
    c.socket.emit("typing", { room: "x-chat", typing: true });
    expect((await typingAtB).user.name).toBe("cai");

    const afterLeave = nextPresence(a.socket, (p) => p.room === "x-chat" && p.count === 2);
    await ok(b.socket, "leave", "x-chat");
    expect((await afterLeave).left).toEqual([{ userId: b.session.userId, name: "ben" }]);
  });

  it("when a message is edited, reacted to and deleted on one node, then readers on the other nodes get every update", async () => {
    const [n1, n2, n3] = cluster.nodes as [ServerProcess, ServerProcess, ServerProcess];
    const a = await connectClient(n1.url, { name: "ann" });
    const b = await connectClient(n2.url, { name: "ben" });
    const c = await connectClient(n3.url, { name: "cai" });
    await ok(a.socket, "join", "x-edit");
    await ok(b.socket, "join", "x-edit");
    const original = (await ok<Sent>(a.socket, "message", { room: "x-edit", text: "frist" })).message;

    const editAtB = nextEvent(b.socket, "message updated", (m) => m.id === original.id);
    const edited = (await ok<Sent>(a.socket, "edit", { id: original.id, text: "first" })).message;
    expect(await editAtB).toEqual(edited);
    const reactAtA = nextEvent(a.socket, "message updated", (m) => m.reactions !== undefined);
    const reacted = (await ok<Sent>(c.socket, "react", { id: original.id, emoji: "👍", on: true })).message;
    expect(reacted.rev > edited.rev).toBe(true);
    expect(await reactAtA).toEqual(reacted);
    const deleteAtB = nextEvent(b.socket, "message updated", (m) => m.deletedAt !== undefined);
    const deleted = (await ok<Sent>(a.socket, "delete", { id: original.id })).message;
    expect(await deleteAtB).toEqual(deleted);

    // A private message's update reaches the recipient's node and nobody else.
    const dm = (await ok<Sent>(a.socket, "private message", { to: c.socket.id, text: "psst" })).message;
    const bSaw: ChatMessage[] = [];
    b.socket.on("message updated", (m) => bSaw.push(m));
    const dmAtC = nextEvent(c.socket, "message updated", (m) => m.id === dm.id);
    const dmEdited = (await ok<Sent>(a.socket, "edit", { id: dm.id, text: "psst, edited" })).message;
    expect(await dmAtC).toEqual(dmEdited);
    await flush(b.socket);
    expect(bSaw).toEqual([]);

    // The change feed on any node has it all, in rev order.
    const feed = await ok<{ messages: ChatMessage[] }>(b.socket, "history", { room: "x-edit", changedAfter: original.rev });
    expect(feed.messages).toEqual([deleted]);
  });

  it("when a node is killed mid-conversation, then its clients resume on the others with nothing lost or doubled", async () => {
    balancer = await startBalancer(() => cluster.nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null).map((n) => n.port));
    for (let i = 0; i < 6; i++) pumps.push(await pumpClient(balancer.url, `p${i}`, "k-room"));
    for (let round = 0; round < 10; round++) for (const p of pumps) p.send(`${p.name} ${round}`);
    await until(() => pumps.reduce((n, p) => n + p.acked.size, 0) >= 20, 20_000);

    let dropped = 0;
    for (const p of pumps) p.socket.on("disconnect", () => dropped++);
    cluster.nodes[1]!.kill("SIGKILL");
    for (let round = 10; round < 20; round++) {
      for (const p of pumps) p.send(`${p.name} ${round}`);
      await sleep(50);
    }
    await allDrained(pumps, 60_000);
    await sleep(500);
    // The round robin put two of the six on the killed node; they moved to the others.
    expect(dropped).toBe(2);

    const reader = await connectClient(cluster.nodes[0]!.url, { name: "reader" });
    const stored = await readAllHistory(reader.socket, "k-room");
    const attempted = pumps.flatMap((p) => p.attempted);
    expect(pumps.flatMap((p) => p.failed)).toEqual([]);
    expect(stored).toHaveLength(attempted.length);
    expect(new Set(stored.map((m) => m.clientId))).toEqual(new Set(attempted));
    for (const p of pumps) {
      expect(p.socket.connected).toBe(true);
      expect([...p.view.keys()].sort()).toEqual(stored.map((m) => m.id));
    }
  }, 90_000);
});

describe("Redis outage", () => {
  let redis: PrivateRedis | undefined;
  let nodes: ServerProcess[] = [];
  afterEach(async () => {
    disconnectAll();
    for (const n of nodes) n.kill("SIGKILL");
    nodes = [];
    await redis?.stop();
  });

  it("when Redis stops, then each node keeps serving its own clients and reports not ready, and recovers when Redis returns", async () => {
    redis = await startPrivateRedis();
    const env = nodeEnv(redis.url);
    nodes = await Promise.all([spawnServer(env), spawnServer(env)]);
    const [n1, n2] = nodes as [ServerProcess, ServerProcess];
    await sleep(500);
    const a = await connectClient(n1.url, { name: "ann" });
    const b = await connectClient(n1.url, { name: "ben" });
    const c = await connectClient(n2.url, { name: "cai" });
    for (const x of [a, b, c]) await ok(x.socket, "join", "outage");
    const crossBefore = nextEvent(c.socket, "message");
    await ok<Sent>(a.socket, "message", { room: "outage", text: "before" });
    expect((await crossBefore).text).toBe("before");

    await until(async () => (await roomsOf(a.socket)).find((r) => r.name === "outage")?.members === 3);

    await redis.stop();
    await until(async () => (await readyz(n1)) === 503, 10_000);
    // Node 2 went silent: node 1 counts the people it can still see, and says why in its log.
    await until(async () => (await roomsOf(a.socket)).find((r) => r.name === "outage")?.members === 2, 10_000);
    expect(n1.output()).toContain("a cluster node went silent");
    const sameNode = nextEvent(b.socket, "message", (m) => m.text === "during");
    const t0 = Date.now();
    await ok<Sent>(a.socket, "message", { room: "outage", text: "during" });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await sameNode).text).toBe("during");
    expect(await ok<{ members: unknown[] }>(b.socket, "join", "outage")).toMatchObject({ ok: true });

    await redis.start();
    await until(async () => (await readyz(n1)) === 200 && (await readyz(n2)) === 200, 20_000);
    await sleep(500);
    const crossAfter = nextEvent(c.socket, "message", (m) => m.text === "after");
    await ok<Sent>(a.socket, "message", { room: "outage", text: "after" });
    expect((await crossAfter).text).toBe("after");
    // The nodes exchange snapshots again: everyone counts once more.
    await until(async () => (await roomsOf(a.socket)).find((r) => r.name === "outage")?.members === 3, 10_000);
    await until(async () => (await roomsOf(c.socket)).find((r) => r.name === "outage")?.members === 3, 10_000);
  }, 60_000);
});

describe("a node whose Redis was never reachable", () => {
  it("when it is stopped, then it shuts down cleanly at once instead of waiting for Redis", async () => {
    // A port nothing listens on: the node starts, not ready, and keeps retrying Redis.
    const node = await spawnServer({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_PREFIX: uniquePrefix() });
    try {
      expect(await readyz(node)).toBe(503);
      const termAt = Date.now();
      node.kill("SIGTERM");
      expect(await node.exited).toBe(0);
      expect(Date.now() - termAt).toBeLessThan(3000);
      expect(node.output()).toContain("shut down cleanly");
    } finally {
      node.kill("SIGKILL");
    }
  }, 30_000);
});
