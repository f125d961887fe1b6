import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/logger.js";
import { connectClient, connectError, disconnectAll, ok, until } from "../helpers/client.js";
import { startServer, type TestServer } from "../helpers/server.js";

type Line = Record<string, unknown> & { msg?: string };

describe("operational logs", () => {
  const raw: string[] = [];
  const lines = (): Line[] =>
    raw
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
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
    server = await startServer({ logger, env: { METRICS_TOKEN: "t".repeat(40) } });
  });
  afterEach(disconnectAll);
  afterAll(() => server.close());

  it("when a socket connects and disconnects, then one line each tells who, from where, how, why and for how long", async () => {
    const alice = await connectClient(server.url, { name: "alice" });
    const { socketId, userId } = alice.session;
    const connected = lines().find((l) => l.msg === "socket connected" && l.socketId === socketId);
    expect(connected).toMatchObject({ socketId, userId, ip: "127.0.0.1", transport: "websocket" });

    alice.socket.disconnect();
    await until(() => lines().some((l) => l.msg === "socket disconnected" && l.socketId === socketId));
    const gone = lines().filter((l) => l.msg === "socket disconnected" && l.socketId === socketId);
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatchObject({ userId, reason: "client namespace disconnect" });
    expect(gone[0]!.durationMs).toEqual(expect.any(Number));
  });

  it("when connections are refused, then each refusal is logged with its reason", async () => {
    await connectError(server.url, { name: "<bad>" });
    await connectError(server.url, { name: "eve", token: "forged.token" });
    await connectError(server.url, { name: "eve" }, { extraHeaders: { Origin: "https://evil.example" } });
    const reasons = lines()
      .filter((l) => l.msg === "connection refused")
      .map((l) => l.reason);
    expect(reasons).toEqual(expect.arrayContaining(["invalid_auth", "unauthorized", "origin"]));
    expect(lines().find((l) => l.reason === "origin")).toMatchObject({ origin: "https://evil.example", ip: "127.0.0.1" });
  });

  it("when an HTTP request is refused, then the line carries its reason and the request id the client got", async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { Authorization: "Bearer wrong-token-that-must-not-be-logged" } });
    expect(res.status).toBe(401);
    const reqId = res.headers.get("x-request-id");
    expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines().find((l) => l.reqId === reqId)).toMatchObject({ msg: "metrics request refused", reason: "wrong token" });

    const page = await fetch(`${server.url}/`);
    const pageId = page.headers.get("x-request-id");
    // The line is written once the response has finished: read it to the end, then wait for the line.
    await page.text();
    await expect.poll(() => lines().find((l) => l.reqId === pageId && l.msg === "request completed")).toBeDefined();
  });

  it("when people chat, then no message text, token or authorization header appears in the logs", async () => {
    const alice = await connectClient(server.url, { name: "alice" });
    const again = await connectClient(server.url, { name: "alice", token: alice.session.token });
    await ok(again.socket, "join", "secrets");
    const text = "my very private words 7f3a9c";
    await ok(again.socket, "message", { room: "secrets", text });
    await ok(again.socket, "broadcast", { text });
    await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${"t".repeat(40)}` } });
    await fetch(`${server.url}/`, { headers: { Cookie: "sid=cookie-secret-9d2e", Authorization: "Bearer header-secret-51b" } });
    await connectError(server.url, { name: "mallory", token: `${alice.session.token}tampered` });
    const all = raw.join("");
    expect(all).toContain(again.session.socketId);
    for (const secret of [text, alice.session.token, "t".repeat(40), "cookie-secret-9d2e", "header-secret-51b", "wrong-token-that"]) {
      expect(all).not.toContain(secret);
    }
  });
});
