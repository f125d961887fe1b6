import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectClient, connectError, disconnectAll } from "../helpers/client.js";
import { startServer, type TestServer } from "../helpers/server.js";

describe("connection limits", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { MAX_CONNECTIONS_PER_IP: "3" } });
  });
  afterEach(disconnectAll);
  afterAll(() => server.close());

  it("when one address opens more connections than allowed, then the extra one is refused until another closes", async () => {
    const clients = await Promise.all([1, 2, 3].map((i) => connectClient(server.url, { name: `c${i}` })));
    const refused = await connectError(server.url, { name: "c4" });
    expect(refused.message).toMatch(/error/i);
    for (const transports of [["polling"], ["websocket"]]) {
      expect((await connectError(server.url, { name: "c4" }, { transports })).message).toBeTruthy();
    }
    clients[0]!.socket.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    const again = await connectClient(server.url, { name: "c5" });
    expect(again.session.name).toBe("c5");
  });

});

describe("packet size limit", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(disconnectAll);
  afterAll(() => server.close());

  it("when a packet is larger than maxHttpBufferSize, then that socket is dropped and the others are unaffected", async () => {
    const big = await connectClient(server.url, { name: "big" });
    const other = await connectClient(server.url, { name: "other" });
    const closed = new Promise<string>((resolve) => big.socket.once("disconnect", (reason) => resolve(reason)));
    big.socket.emit("broadcast", { text: "x".repeat(70 * 1024) }, () => {});
    expect(await closed).toMatch(/transport close|transport error/);
    expect(other.socket.connected).toBe(true);
  });
});
