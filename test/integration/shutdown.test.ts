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

/**
 * A Socket.IO client over Engine.IO long-polling that asks for packets only
 * when told to, as a browser does between two polls: the server can hold
 * packets for it that no request is waiting to carry.
 */
class ManualPolling {
  private constructor(
    private readonly base: string,
    private readonly sid: string,
  ) {}

  static async open(url: string, auth: { name: string }): Promise<ManualPolling> {
    const base = `${url}/socket.io/?EIO=4&transport=polling`;
    const handshake = await (await fetch(base)).text();
    const { sid } = JSON.parse(handshake.slice(1)) as { sid: string };
    const client = new ManualPolling(base, sid);
    await client.send(`40${JSON.stringify(auth)}`);
    return client;
  }

  /** Sends one packet (`42[...]` is an event, `42<id>[...]` one that wants an ack). */
  async send(packet: string): Promise<void> {
    const response = await fetch(`${this.base}&sid=${this.sid}`, { method: "POST", body: packet });
    if (!response.ok) throw new Error(`POST answered ${response.status}`);
    await response.text();
  }

  /** One poll: the packets the server held for this client, waiting for some if it held none. */
  async poll(): Promise<string[]> {
    const response = await fetch(`${this.base}&sid=${this.sid}`);
    if (!response.ok) throw new Error(`poll answered ${response.status}`);
    return (await response.text()).split("\x1e");
  }

  /** Polls until a packet starts with `prefix`, and returns it. */
  async pollFor(prefix: string): Promise<string> {
    for (;;) {
      const found = (await this.poll()).find((packet) => packet.startsWith(prefix));
      if (found) return found;
    }
  }
}

describe("graceful shutdown", () => {
  it("when the server stops with a write in flight, then the sender gets its ack and the room the message before connections close", async () => {
    const store = new HeldStore();
    const server = await startServer({ store });
    try {
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
      store.release();

      const ack = (await sent) as { ok: boolean; message: ChatMessage };
      expect(ack).toMatchObject({ ok: true, message: { text: "last words", clientId: "last-1" } });
      await stopping;
      expect(await closed).toBe("transport close");
      expect(received).toEqual([ack.message]);
    } finally {
      await server.close();
    }
  });

  it("when a long-polling member is between two polls as the server stops, then its next poll still carries the last message", async () => {
    const store = new HeldStore();
    const server = await startServer({ store });
    try {
      const alice = await connectClient(server.url, { name: "alice" });
      await ok(alice.socket, "join", "closing");
      const bob = await ManualPolling.open(server.url, { name: "bob" });
      await bob.pollFor('42["session"');
      await bob.send('421["join","closing"]');
      expect(await bob.pollFor("431")).toContain('"ok":true');

      // Bob sends no poll from here on until alice has her ack: nothing can carry the message to him.
      const sent = call(alice.socket, "message", { room: "closing", text: "last words", clientId: "last-2" });
      await until(() => store.held === 1);
      const stopping = server.close();
      store.release();
      expect(await sent).toMatchObject({ ok: true });

      const delivered = await bob.pollFor('42["message"');
      const [, message] = JSON.parse(delivered.slice(2)) as [string, ChatMessage];
      expect(message).toMatchObject({ text: "last words", clientId: "last-2" });
      await stopping;
    } finally {
      await server.close();
    }
  });

  it("when a connection never takes its last packets, then the shutdown still ends within its deadline", async () => {
    const store = new HeldStore();
    const server = await startServer({ store, env: { SHUTDOWN_TIMEOUT_MS: "1000" } });
    try {
      const alice = await connectClient(server.url, { name: "alice" });
      await ok(alice.socket, "join", "closing");
      const bob = await ManualPolling.open(server.url, { name: "bob" });
      await bob.pollFor('42["session"');
      await bob.send('421["join","closing"]');
      await bob.pollFor("431");

      const sent = call(alice.socket, "message", { room: "closing", text: "unheard", clientId: "last-3" });
      await until(() => store.held === 1);
      const started = Date.now();
      const stopping = server.close();
      store.release();
      expect(await sent).toMatchObject({ ok: true });
      await stopping;
      // Connections get 75 % of SHUTDOWN_TIMEOUT_MS; bob's unpolled message does not hold the rest up.
      expect(Date.now() - started).toBeLessThan(1000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    } finally {
      await server.close();
    }
  });
});
