import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../server/messages/memory-store.js";
import type { NewMessage } from "../../server/messages/store.js";
import type { ChatMessage } from "../../server/protocol.js";
import { call, connectClient, ok, until } from "../helpers/client.js";
import { startServer } from "../helpers/server.js";

/** A memory store whose inserts wait until `release()`: a write that is in flight for as long as a test wants. */
class HeldStore extends MemoryStore {
  held = 0;
  release: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  override async insert(message: NewMessage) {
    this.held++;
    await this.gate;
    return super.insert(message);
  }
}

describe("graceful shutdown", () => {
  it("when the server stops with a write in flight, then the sender gets its ack and the room the message before connections close", async () => {
    const store = new HeldStore();
    const server = await startServer({ store });
    const alice = await connectClient(server.url, { name: "alice" });
    const bob = await connectClient(server.url, { name: "bob" });
    await ok(alice.socket, "join", "closing");
    await ok(bob.socket, "join", "closing");
    const received: ChatMessage[] = [];
    bob.socket.on("message", (m) => received.push(m));
    const closed = new Promise<string>((resolve) => alice.socket.once("disconnect", resolve));

    const sent = call(alice.socket, "message", { room: "closing", text: "last words", clientId: "last-1" });
    await until(() => store.held === 1);
    const stopping = server.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    store.release();

    const ack = (await sent) as { ok: boolean; message: ChatMessage };
    expect(ack).toMatchObject({ ok: true, message: { text: "last words", clientId: "last-1" } });
    await stopping;
    expect(await closed).toBe("transport close");
    expect(received).toEqual([ack.message]);
  });
});
