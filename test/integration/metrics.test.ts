import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { call, connectClient, connectError, disconnectAll, nextEvent, ok, until } from "../helpers/client.js";
import { scrape } from "../helpers/metrics.js";
import { freshDatabaseUri } from "../helpers/mongo.js";
import { deleteKeys, REDIS_URL, startPrivateRedis, uniquePrefix } from "../helpers/redis.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { memoryStorage, patched } from "../helpers/storage.js";
import { useServer } from "../helpers/use-server.js";

type Sent = { message: { id: string } };

describe("chat metrics", () => {
  const env = useServer();

  it("when /metrics is scraped, then the default process and Node.js metrics are there too", async () => {
    const res = await fetch(`${env.server.url}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
      "nodejs_heap_size_used_bytes",
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, "m"));
    }
    expect(text).toContain("# TYPE nodejs_gc_duration_seconds histogram");
  });

  it("when messages of each kind are sent, then chat_messages_total moves by exactly what was stored", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(alice.socket, "join", "counted");
    const before = await scrape(env.server.url);

    for (let i = 0; i < 3; i++) await ok(alice.socket, "message", { room: "counted", text: `hi ${i}` });
    await ok(alice.socket, "broadcast", { text: "all", clientId: "b-1" });
    await ok(alice.socket, "broadcast", { text: "all", clientId: "b-1" }); // a retry: stored once
    await ok(bob.socket, "broadcast", { text: "all again" });
    await ok(alice.socket, "private message", { to: bob.session.socketId, text: "psst" });
    // Refused: nothing stored, nothing counted.
    await call(bob.socket, "message", { room: "counted", text: "not joined" });
    await call(alice.socket, "message", { room: "counted", text: "" });

    const after = await scrape(env.server.url);
    const delta = (kind: string) =>
      after.value("chat_messages_total", { kind }) - before.value("chat_messages_total", { kind });
    expect({ room: delta("room"), broadcast: delta("broadcast"), private: delta("private") }).toEqual({
      room: 3,
      broadcast: 2,
      private: 1,
    });
  });

  it("when requests fail, then chat_ack_errors_total counts each by event and code", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const before = await scrape(env.server.url);
    const errors = [
      ["message", { room: "nowhere", text: "x" }],
      ["message", { room: "nowhere", text: "x" }],
      ["message", { room: "nowhere", text: 42 }],
      ["private message", { to: "no-such-socket", text: "x" }],
      ["history", { room: "never-created" }],
      ["join", "bad room name!"],
    ] as const;
    for (const [event, payload] of errors) {
      const res = (await call(alice.socket, event, payload)) as { ok: boolean };
      expect(res.ok).toBe(false);
    }
    const after = await scrape(env.server.url);
    const delta = (event: string, code: string) =>
      after.value("chat_ack_errors_total", { event, code }) - before.value("chat_ack_errors_total", { event, code });
    expect(delta("message", "NOT_IN_ROOM")).toBe(2);
    expect(delta("message", "INVALID_INPUT")).toBe(1);
    expect(delta("private message", "NOT_FOUND")).toBe(1);
    expect(delta("history", "NOT_FOUND")).toBe(1);
    expect(delta("join", "INVALID_INPUT")).toBe(1);
    const total = (m: typeof after) =>
      m.samples.filter((s) => s.name === "chat_ack_errors_total").reduce((sum, s) => sum + s.value, 0);
    expect(total(after) - total(before)).toBe(errors.length);
  });

  it("when connections are refused, then chat_connections_refused_total counts each by reason", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const before = await scrape(env.server.url);
    await connectError(env.server.url, { name: "eve" }, { extraHeaders: { Origin: "https://evil.example" } });
    await connectError(env.server.url, { name: "eve" }, { transports: ["polling"], extraHeaders: { Origin: "https://evil.example" } });
    await connectError(env.server.url, { name: "<script>" });
    await connectError(env.server.url, { name: "mallory", token: `${alice.session.token}x` });
    const after = await scrape(env.server.url);
    const delta = (reason: string) =>
      after.value("chat_connections_refused_total", { reason }) -
      before.value("chat_connections_refused_total", { reason });
    expect([delta("origin"), delta("invalid_auth"), delta("unauthorized"), delta("cap"), delta("draining")]).toEqual([
      2, 1, 1, 0, 0,
    ]);
  });

  it("when storage is called, then chat_store_seconds records each call of every store under its domain and operation", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const before = await scrape(env.server.url);
    await ok(alice.socket, "join", "timed");
    const sent: { message: { id: string } }[] = [];
    for (let i = 0; i < 4; i++) sent.push(await ok(alice.socket, "message", { room: "timed", text: `t${i}` }));
    await ok(alice.socket, "history", { room: "timed" });
    await ok(alice.socket, "read", { room: "timed", upTo: sent[3]!.message.id });
    await ok(alice.socket, "rooms");
    const after = await scrape(env.server.url);
    const count = (op: string) =>
      after.value("chat_store_seconds_count", { op }) - before.value("chat_store_seconds_count", { op });
    expect(count("messages.insert")).toBe(4);
    expect(count("messages.page")).toBe(2); // the join's newest page, then the history request
    expect(count("rooms.add")).toBe(1); // "timed" is new; the default rooms need no record
    expect(count("people.setRead")).toBe(1);
    expect(count("people.readMarkers")).toBe(1); // the room list's unread counts
    expect(count("messages.countUnread")).toBe(1); // only "timed" has a marker
    expect(after.value("chat_store_seconds_sum", { op: "messages.insert" })).toBeGreaterThan(
      before.value("chat_store_seconds_sum", { op: "messages.insert" }),
    );
    expect(after.value("chat_store_seconds_bucket", { op: "messages.insert", le: "+Inf" })).toBe(
      after.value("chat_store_seconds_count", { op: "messages.insert" }),
    );
  });
});

describe("chat_sockets and chat_rooms", () => {
  afterEach(disconnectAll);

  it("when sockets connect, join and leave, then the gauges follow", async () => {
    const server = await startServer();
    try {
      const a = await connectClient(server.url, { name: "a" });
      const b = await connectClient(server.url, { name: "b" });
      await ok(a.socket, "join", "gauge-1");
      await ok(b.socket, "join", "gauge-1");
      await ok(b.socket, "join", "gauge-2");
      let m = await scrape(server.url);
      expect([m.value("chat_sockets"), m.value("chat_rooms")]).toEqual([2, 2]);
      expect(m.value("chat_store_up")).toBe(1);
      expect(m.has("chat_redis_up")).toBe(false); // no Redis configured

      b.socket.disconnect();
      await until(async () => (await scrape(server.url)).value("chat_sockets") === 1);
      m = await scrape(server.url);
      expect(m.value("chat_rooms")).toBe(1); // gauge-2 emptied; gauge-1 still has a
    } finally {
      disconnectAll();
      await server.close();
    }
  });
});

describe("chat_deliveries_total", () => {
  const env = useServer();

  it("when messages fan out, then it counts one delivery per socket reached", async () => {
    const a = await connectClient(env.server.url, { name: "a" });
    const b1 = await connectClient(env.server.url, { name: "b" });
    const b2 = await connectClient(env.server.url, { name: "b", token: b1.session.token });
    const outsider = await connectClient(env.server.url, { name: "c" });
    for (const c of [a, b1, b2]) await ok(c.socket, "join", "fan");
    const deliveries = async () => (await scrape(env.server.url)).value("chat_deliveries_total");

    let before = await deliveries();
    await ok<Sent>(a.socket, "message", { room: "fan", text: "to the room" });
    expect((await deliveries()) - before).toBe(3); // a, b1, b2 — not the outsider

    before = await deliveries();
    await ok<Sent>(outsider.socket, "broadcast", { text: "to everyone" });
    expect((await deliveries()) - before).toBe(4);

    before = await deliveries();
    await ok<Sent>(a.socket, "private message", { to: b1.session.socketId, text: "to b" });
    expect((await deliveries()) - before).toBe(3); // every socket of a and of b

    before = await deliveries();
    await call(a.socket, "message", { room: "fan", text: "" });
    await ok(a.socket, "typing", { room: "fan", typing: true });
    expect((await deliveries()) - before).toBe(0); // refused messages and other events are not deliveries
  });
});

describe("chat_rate_limited_total", () => {
  const env = useServer({ env: { RATE_LIMIT_BURST: "2", RATE_LIMIT_PER_SECOND: "1" } });

  it("when sends exceed the rate limit, then it counts exactly the refused ones", async () => {
    const a = await connectClient(env.server.url, { name: "a" });
    const results = (await Promise.all(
      Array.from({ length: 8 }, (_, i) => call(a.socket, "broadcast", { text: `flood ${i}` })),
    )) as { ok: boolean; error?: { code: string } }[];
    const limited = results.filter((r) => r.error?.code === "RATE_LIMITED").length;
    expect(limited).toBeGreaterThanOrEqual(5);
    const m = await scrape(env.server.url);
    expect(m.value("chat_rate_limited_total", { action: "send" })).toBe(limited);
    expect(m.value("chat_ack_errors_total", { event: "broadcast", code: "RATE_LIMITED" })).toBe(limited);
    expect(m.value("chat_messages_total", { kind: "broadcast" })).toBe(results.length - limited);
  });
});

describe("refusals by the connection cap and while draining", () => {
  it("when an address is over its cap, then the refusal is counted as cap", async () => {
    const server = await startServer({ env: { MAX_CONNECTIONS_PER_IP: "1" } });
    try {
      await connectClient(server.url, { name: "one" });
      await connectError(server.url, { name: "two" });
      expect((await scrape(server.url)).value("chat_connections_refused_total", { reason: "cap" })).toBe(1);
    } finally {
      disconnectAll();
      await server.close();
    }
  });

  it("when the server is draining, then new connections count as draining and new requests as UNAVAILABLE", async () => {
    let release = () => {};
    let started = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const insertStarted = new Promise<void>((resolve) => (started = resolve));
    const base = memoryStorage();
    const gated = patched(base, {
      messages: {
        insert: async (message) => {
          started();
          await gate;
          return base.messages.insert(message);
        },
      },
    });
    const server = await startServer({ storage: gated });
    try {
      const a = await connectClient(server.url, { name: "a" });
      const inFlight = call(a.socket, "broadcast", { text: "held" });
      await insertStarted;
      const closing = server.close(); // waits for the held broadcast
      const late = (await call(a.socket, "broadcast", { text: "late" })) as { error?: { code: string } };
      expect(late.error?.code).toBe("UNAVAILABLE");
      await connectError(server.url, { name: "b" });
      const m = await scrape(server.url);
      expect(m.value("chat_connections_refused_total", { reason: "draining" })).toBe(1);
      expect(m.value("chat_ack_errors_total", { event: "broadcast", code: "UNAVAILABLE" })).toBe(1);
      release();
      await closing;
      // The held broadcast was stored; whether its ack beat the close is not what this test is about.
      await inFlight.catch(() => undefined);
    } finally {
      release();
      disconnectAll();
      await server.close();
    }
  });
});

describe("one registry per server", () => {
  it("when two servers run in one process, then each counts only its own traffic", async () => {
    const [one, two] = await Promise.all([startServer(), startServer()]);
    try {
      const a = await connectClient(one.url, { name: "a" });
      await ok(a.socket, "broadcast", { text: "only on one" });
      const [m1, m2] = await Promise.all([scrape(one.url), scrape(two.url)]);
      expect(m1.value("chat_messages_total", { kind: "broadcast" })).toBe(1);
      expect(m2.value("chat_messages_total", { kind: "broadcast" })).toBe(0);
      expect([m1.value("chat_sockets"), m2.value("chat_sockets")]).toEqual([1, 0]);
    } finally {
      disconnectAll();
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe("dependency gauges", () => {
  afterEach(disconnectAll);

  it("when storage does not answer, then chat_store_up is 0", async () => {
    const server = await startServer({ storage: patched(memoryStorage(), { isReady: async () => false }) });
    try {
      expect((await scrape(server.url)).value("chat_store_up")).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("when Redis goes away and comes back, then chat_redis_up follows it", async () => {
    const redis = await startPrivateRedis();
    const server = await startServer({ env: { REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix() } });
    const redisUp = async () => (await scrape(server.url)).value("chat_redis_up");
    try {
      await until(async () => (await redisUp()) === 1);
      await redis.stop();
      await until(async () => (await redisUp()) === 0);
      await redis.start();
      await until(async () => (await redisUp()) === 1, 10_000);
    } finally {
      await server.close();
      await redis.stop();
    }
  });

  it("when MongoDB stores the messages, then its calls are timed and chat_store_up is 1", async () => {
    const server = await startServer({ env: { MONGODB_URI: freshDatabaseUri() } });
    try {
      const a = await connectClient(server.url, { name: "a" });
      await ok(a.socket, "join", "persisted");
      await ok(a.socket, "message", { room: "persisted", text: "stored in MongoDB", clientId: "m-1" });
      await ok(a.socket, "message", { room: "persisted", text: "stored in MongoDB", clientId: "m-1" });
      const m = await scrape(server.url);
      expect(m.value("chat_store_up")).toBe(1);
      expect(m.value("chat_messages_total", { kind: "room" })).toBe(1);
      expect(m.value("chat_store_seconds_count", { op: "messages.insert" })).toBe(2); // the retry reaches storage too
      expect(m.value("chat_store_seconds_count", { op: "messages.page" })).toBe(1);
    } finally {
      disconnectAll();
      await server.close();
    }
  });
});

describe("metrics of two nodes sharing Redis", () => {
  const prefix = uniquePrefix();
  let nodes: TestServer[] = [];
  beforeAll(async () => {
    nodes = await Promise.all([1, 2].map(() => startServer({ env: { REDIS_URL, REDIS_PREFIX: prefix } })));
  });
  afterEach(disconnectAll);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await deleteKeys(REDIS_URL, prefix);
  });

  it("when a message sent on one node reaches a socket on the other, then each node counts its own delivery", async () => {
    const [one, two] = nodes as [TestServer, TestServer];
    const sender = await connectClient(one.url, { name: "sender" });
    const receiver = await connectClient(two.url, { name: "receiver" });
    await ok(sender.socket, "join", "across");
    await ok(receiver.socket, "join", "across");
    const before = await Promise.all(nodes.map(async (n) => (await scrape(n.url)).value("chat_deliveries_total")));
    const arrived = nextEvent(receiver.socket, "message", (m) => m.text === "over Redis", 5000);
    await ok(sender.socket, "message", { room: "across", text: "over Redis" });
    await arrived;
    const after = await Promise.all(nodes.map(async (n) => scrape(n.url)));
    expect(after.map((m, i) => m.value("chat_deliveries_total") - before[i]!)).toEqual([1, 1]);
    expect(after.map((m) => m.value("chat_messages_total", { kind: "room" }))).toEqual([1, 0]); // stored once, by node one
    expect(after.map((m) => m.value("chat_redis_up"))).toEqual([1, 1]);
  });
});
