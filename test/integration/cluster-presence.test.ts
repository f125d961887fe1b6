/** Protocol v1.2 "People, not sockets" across nodes over Redis: counts, presence, person, rooms cost, a killed node. */
import { describe, expect, it } from "vitest";
import type { Conversation, JoinResult, MembersPage, RoomInfo } from "../../server/protocol.js";
import { connectClient, nextEvent, nextPresence, ok, until, type TestSocket } from "../helpers/client.js";
import { scrape } from "../helpers/metrics.js";
import { spawnServer, type ServerProcess } from "../helpers/process.js";
import { REDIS_URL } from "../helpers/redis.js";
import { clusterEnv, useNodes } from "../helpers/cluster.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const roomsOf = async (socket: TestSocket) => (await ok<{ rooms: RoomInfo[] }>(socket, "rooms")).rooms;
/** A room's count, for polling: asked at most twice a second (the rate limit of `rooms`). */
const membersIn = async (socket: TestSocket, room: string) => {
  await sleep(500);
  return (await roomsOf(socket)).find((r) => r.name === room)?.members;
};

describe("people across two nodes over Redis", () => {
  const env = clusterEnv(REDIS_URL, { RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000", RATE_LIMIT_PER_IP_FACTOR: "1000" });
  // Time for the nodes to find each other (heartbeats, then a snapshot each way).
  const cluster = useNodes(2, env, 1500);

  it("when one person has a tab on each node, then rooms, join and members count them once, and presence crosses nodes", async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const ann = await connectClient(n1.url, { name: "ann" });
    await ok(ann.socket, "join", "x-two");
    await nextPresence(ann.socket, (p) => p.room === "x-two");
    const tab1 = await connectClient(n1.url, { name: "ben" });
    const tab2 = await connectClient(n2.url, { name: "ben", token: tab1.session.token });

    const benArrives = nextPresence(ann.socket, (p) => p.room === "x-two");
    await ok(tab2.socket, "join", "x-two");
    expect(await benArrives).toEqual({
      room: "x-two",
      count: 2,
      joined: [{ userId: tab1.session.userId, name: "ben", sockets: [tab2.socket.id] }],
    });
    const joined = await ok<JoinResult>(tab1.socket, "join", "x-two");
    expect(joined.count).toBe(2);
    expect(joined.people.find((p) => p.userId === tab1.session.userId)?.sockets.sort()).toEqual([tab1.socket.id, tab2.socket.id].sort());
    for (const socket of [ann.socket, tab2.socket]) await until(async () => (await membersIn(socket, "x-two")) === 2);
    const page = await ok<MembersPage>(tab2.socket, "members", { room: "x-two" });
    expect(page.count).toBe(2);
    expect(page.people.map((p) => p.userId).sort()).toEqual([ann.session.userId, tab1.session.userId].sort());

    const benLeaves = nextPresence(tab2.socket, (p) => p.room === "x-two" && p.count === 1);
    tab1.socket.disconnect();
    await ok(tab2.socket, "leave", "x-two");
    const annSees = nextPresence(ann.socket, (p) => p.room === "x-two" && p.count === 1);
    expect(await annSees).toEqual({ room: "x-two", count: 1, left: [{ userId: tab1.session.userId, name: "ben" }] });
    await expect(benLeaves).rejects.toThrow(); // tab2 left the room: it is told nothing more about it
  });

  it("when there are many rooms, then rooms counts people of both nodes without asking the other node anything", async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const a = await connectClient(n1.url, { name: "ann" });
    const b = await connectClient(n2.url, { name: "ben" });
    const cost = async (socket: TestSocket) => {
      const before = await scrape(n1.url);
      const rooms = await roomsOf(socket);
      const after = await scrape(n1.url);
      const xadds = after.value("chat_redis_commands_total", { command: "xAdd" }) - before.value("chat_redis_commands_total", { command: "xAdd" });
      return {
        rooms,
        cluster: after.value("chat_cluster_requests_total") - before.value("chat_cluster_requests_total"),
        redis: xadds,
      };
    };

    await ok(a.socket, "join", "many-0");
    await ok(b.socket, "join", "many-0");
    await until(async () => (await membersIn(a.socket, "many-0")) === 2);
    const few = await cost(a.socket);
    expect(few.cluster).toBe(0);

    // 150 more rooms, each with someone on node 2: people of node 2 join them, 15 rooms each.
    const joiners = await Promise.all(Array.from({ length: 10 }, (_, i) => connectClient(n2.url, { name: `j${i}` })));
    await Promise.all(joiners.map(async (j, i) => {
      for (let k = 0; k < 15; k++) await ok(j.socket, "join", `many-${1 + i * 15 + k}`);
    }));
    await until(async () => {
      await sleep(500);
      return (await roomsOf(a.socket)).filter((r) => r.name.startsWith("many-") && r.members >= 1).length === 151;
    });
    const many = await cost(a.socket);
    expect(many.rooms.filter((r) => r.name.startsWith("many-"))).toHaveLength(151);
    expect(many.rooms.find((r) => r.name === "many-150")).toEqual({ name: "many-150", members: 1 });
    expect(many.cluster).toBe(0);
    // At most the node's own heartbeats and deltas, which do not depend on the request.
    expect(many.redis).toBeLessThanOrEqual(few.redis + 3);
  }, 30_000);

  it("when someone with a conversation connects and disconnects on the other node, then person and conversations.online say so", async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const ann = await connectClient(n1.url, { name: "ann" });
    const ben = await connectClient(n2.url, { name: "ben" });
    await ok(ann.socket, "private message", { toUser: ben.session.userId, text: "hello" });

    const offline = nextEvent(ann.socket, "person", (n) => !n.online);
    ben.socket.disconnect();
    expect(await offline).toEqual({ userId: ben.session.userId, name: "ben", online: false });
    const list = await ok<{ conversations: Conversation[] }>(ann.socket, "conversations");
    expect(list.conversations.find((c) => c.user.userId === ben.session.userId)?.online).toBe(false);

    const online = nextEvent(ann.socket, "person", (n) => n.online);
    await connectClient(n2.url, { name: "ben", token: ben.session.token });
    expect(await online).toEqual({ userId: ben.session.userId, name: "ben", online: true });
    const again = await ok<{ conversations: Conversation[] }>(ann.socket, "conversations");
    expect(again.conversations.find((c) => c.user.userId === ben.session.userId)?.online).toBe(true);
  });

  it("when a node shuts down cleanly, then the others hear at once that its people left", async () => {
    const [n1] = cluster.nodes as [ServerProcess, ServerProcess];
    const leaving = await spawnServer(env);
    try {
      const ann = await connectClient(n1.url, { name: "ann" });
      await ok(ann.socket, "join", "x-stopped");
      await nextPresence(ann.socket, (p) => p.room === "x-stopped");
      const dan = await connectClient(leaving.url, { name: "dan" }, { reconnection: false });
      await ok(dan.socket, "join", "x-stopped");
      await until(async () => (await membersIn(ann.socket, "x-stopped")) === 2, 5000);
      await sleep(600);

      const left = nextPresence(ann.socket, (p) => p.room === "x-stopped", 8000);
      const stoppedAt = Date.now();
      leaving.kill("SIGTERM");
      expect(await left).toEqual({ room: "x-stopped", count: 1, left: [{ userId: dan.session.userId, name: "dan" }] });
      // Well before a silent node would be given up on (3.5 s).
      expect(Date.now() - stoppedAt).toBeLessThan(2500);
      // It said goodbye: node 1 no longer counts it (it would for 3.5 s otherwise).
      await until(async () => (await scrape(n1.url)).value("chat_cluster_nodes") === 2, 1000);
    } finally {
      leaving.kill("SIGKILL");
    }
  }, 40_000);

  it("when a node is killed, then its people leave the counts within seconds, with presence and person saying so", async () => {
    const [n1] = cluster.nodes as [ServerProcess, ServerProcess];
    const doomed = await spawnServer(env);
    try {
      const ann = await connectClient(n1.url, { name: "ann" });
      await ok(ann.socket, "join", "x-killed");
      await nextPresence(ann.socket, (p) => p.room === "x-killed");
      const cai = await connectClient(doomed.url, { name: "cai" }, { reconnection: false });
      await ok(cai.socket, "private message", { toUser: ann.session.userId, text: "about to go" });
      await ok(cai.socket, "join", "x-killed");
      await until(async () => (await membersIn(ann.socket, "x-killed")) === 2, 5000);
      await sleep(600);
      expect((await scrape(n1.url)).value("chat_cluster_nodes")).toBe(3);

      const left = nextPresence(ann.socket, (p) => p.room === "x-killed", 8000);
      const offline = nextEvent(ann.socket, "person", (n) => n.userId === cai.session.userId && !n.online, 8000);
      const killedAt = Date.now();
      doomed.kill("SIGKILL");
      expect(await left).toEqual({ room: "x-killed", count: 1, left: [{ userId: cai.session.userId, name: "cai" }] });
      expect(await offline).toEqual({ userId: cai.session.userId, name: "cai", online: false });
      expect(Date.now() - killedAt).toBeLessThan(6000);
      expect(await membersIn(ann.socket, "x-killed")).toBe(1);
      expect((await scrape(n1.url)).value("chat_cluster_nodes")).toBe(2);
    } finally {
      doomed.kill("SIGKILL");
    }
  }, 40_000);
});
