import { describe, expect, it } from "vitest";
import { connectClient, connectError } from "../helpers/client.js";
import { useServer } from "../helpers/use-server.js";

describe("connection limits", () => {
  const env = useServer({ env: { MAX_CONNECTIONS_PER_IP: "3" } });

  it("when one address opens more connections than allowed, then the extra one is refused until another closes", async () => {
    const clients = await Promise.all([1, 2, 3].map((i) => connectClient(env.server.url, { name: `c${i}` })));
    const refused = await connectError(env.server.url, { name: "c4" });
    expect(refused.message).toMatch(/error/i);
    for (const transports of [["polling"], ["websocket"]]) {
      expect((await connectError(env.server.url, { name: "c4" }, { transports })).message).toBeTruthy();
    }
    clients[0]!.socket.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    const again = await connectClient(env.server.url, { name: "c5" });
    expect(again.session.name).toBe("c5");
  });

});

describe("packet size limit", () => {
  const env = useServer();

  it("when a packet is larger than maxHttpBufferSize, then that socket is dropped and the others are unaffected", async () => {
    const big = await connectClient(env.server.url, { name: "big" });
    const other = await connectClient(env.server.url, { name: "other" });
    const closed = new Promise<string>((resolve) => big.socket.once("disconnect", (reason) => resolve(reason)));
    big.socket.emit("broadcast", { text: "x".repeat(70 * 1024) }, () => {});
    expect(await closed).toMatch(/transport close|transport error/);
    expect(other.socket.connected).toBe(true);
  });
});
