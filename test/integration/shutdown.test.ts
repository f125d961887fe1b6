import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Storage } from "../../server/storage/storage.js";
import type { ChatMessage } from "../../server/protocol.js";
import { call, collectMessages, connectClient, ok, until, type Client } from "../helpers/client.js";
import { memoryLogger } from "../helpers/logs.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { memoryStorage, patched } from "../helpers/storage.js";

/** Storage whose inserts, while `holding`, wait until `release()`: a write that is in flight for as long as a test wants. */
class HeldStore {
  holding = false;
  held = 0;
  release: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  readonly storage: Storage;

  constructor() {
    const base = memoryStorage();
    this.storage = patched(base, {
      messages: {
        insert: async (message) => {
          if (this.holding) {
            this.held++;
            await this.gate;
          }
          return base.messages.insert(message);
        },
      },
    });
  }
}

/**
 * A Socket.IO client over Engine.IO long-polling that asks for packets only
 * when told to, as a browser does between two polls: the server can hold
 * packets for it that no request is waiting to carry.
 */
class ManualPolling {
  private constructor(
    private readonly url: string,
    private readonly sid: string,
  ) {}

  private get base(): string {
    return `${this.url}/socket.io/?EIO=4&transport=polling`;
  }

  static async open(url: string, auth: { name: string }): Promise<ManualPolling> {
    const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    if (!response.ok) throw new Error(`handshake answered ${response.status}`);
    const { sid } = JSON.parse((await response.text()).slice(1)) as { sid: string };
    const client = new ManualPolling(url, sid);
    await client.send(`40${JSON.stringify(auth)}`);
    return client;
  }

  /**
   * Starts an upgrade to WebSocket and stops after the probe: until `finish()`
   * sends the upgrade packet, the server holds every packet for this client.
   */
  async probeUpgrade(): Promise<{ frames: string[]; finish(): void }> {
    const ws = new WebSocket(`${this.url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket&sid=${this.sid}`);
    const frames: string[] = [];
    ws.on("message", (data: Buffer) => frames.push(data.toString()));
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    ws.send("2probe");
    await until(() => frames.includes("3probe"));
    return { frames, finish: () => ws.send("5") };
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

/** Alice on socket.io-client and bob on a hand-driven long-polling connection, both in room "closing". */
async function aliceAndPollingBob(server: TestServer): Promise<{ alice: Client; bob: ManualPolling }> {
  const alice = await connectClient(server.url, { name: "alice" });
  await ok(alice.socket, "join", "closing");
  const bob = await ManualPolling.open(server.url, { name: "bob" });
  await bob.pollFor('42["session"');
  await bob.send('421["join","closing"]');
  expect(await bob.pollFor("431")).toContain('"ok":true');
  return { alice, bob };
}

/**
 * Alice sends a message to "closing" and the server starts to stop while the
 * message is being stored; resolves with her ack and the shutdown under way.
 */
async function stopWhileSending(
  server: TestServer,
  store: HeldStore,
  alice: Client,
  clientId: string,
): Promise<{ ack: { ok: boolean; message: ChatMessage }; stopping: Promise<void> }> {
  store.holding = true;
  const sent = call(alice.socket, "message", { room: "closing", text: "last words", clientId });
  await until(() => store.held === 1);
  const stopping = server.close();
  store.release();
  const ack = (await sent) as { ok: boolean; message: ChatMessage };
  expect(ack).toMatchObject({ ok: true, message: { text: "last words", clientId } });
  return { ack, stopping };
}

/** Runs `test` against a fresh server storing into a HeldStore, and makes sure that server is stopped afterwards. */
async function withHeldServer(
  options: Omit<NonNullable<Parameters<typeof startServer>[0]>, "storage">,
  test: (server: TestServer, store: HeldStore) => Promise<void>,
): Promise<void> {
  const store = new HeldStore();
  const server = await startServer({ ...options, storage: store.storage });
  try {
    await test(server, store);
  } finally {
    await server.close();
  }
}

describe("graceful shutdown", () => {
  it("when the server stops with a write in flight, then the sender gets its ack and the room the message before connections close", async () => {
    await withHeldServer({}, async (server, store) => {
      const alice = await connectClient(server.url, { name: "alice" });
      const bob = await connectClient(server.url, { name: "bob" });
      await ok(alice.socket, "join", "closing");
      await ok(bob.socket, "join", "closing");
      const received = collectMessages(bob.socket);
      const closed = new Promise<string>((resolve) => alice.socket.once("disconnect", resolve));

      const { ack, stopping } = await stopWhileSending(server, store, alice, "last-1");
      await stopping;
      expect(await closed).toBe("transport close");
      expect(received).toEqual([ack.message]);
    });
  });

  it("when a long-polling member is between two polls as the server stops, then its next poll still carries the last message", async () => {
    await withHeldServer({}, async (server, store) => {
      const { alice, bob } = await aliceAndPollingBob(server);

      // Bob sends no poll from here on until alice has her ack: nothing can carry the message to him.
      const { stopping } = await stopWhileSending(server, store, alice, "last-2");

      const delivered = await bob.pollFor('42["message"');
      const [, message] = JSON.parse(delivered.slice(2)) as [string, ChatMessage];
      expect(message).toMatchObject({ text: "last words", clientId: "last-2" });
      await stopping;
    });
  });

  it("when a member is in the middle of an upgrade to WebSocket as the server stops, then the last message arrives once the upgrade completes", async () => {
    await withHeldServer({}, async (server, store) => {
      const { alice, bob } = await aliceAndPollingBob(server);
      const upgrade = await bob.probeUpgrade();

      const { stopping } = await stopWhileSending(server, store, alice, "last-3");

      upgrade.finish();
      await until(() => upgrade.frames.some((frame) => frame.startsWith('42["message"') && frame.includes("last-3")));
      await stopping;
    });
  });

  it("when a member's WebSocket is still writing earlier messages as the server stops, then the last message follows them", async () => {
    const limits = { RATE_LIMIT_BURST: "10000", RATE_LIMIT_PER_SECOND: "10000", MAX_TEXT_LENGTH: "10000" };
    await withHeldServer({ env: limits }, async (server, store) => {
      const alice = await connectClient(server.url, { name: "alice" });
      await ok(alice.socket, "join", "closing");
      // Bob is a bare Engine.IO WebSocket client, so that reading from it can be paused.
      const bob = new WebSocket(`${server.url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
      const frames: string[] = [];
      bob.on("message", (data: Buffer) => frames.push(data.toString()));
      await new Promise((resolve, reject) => bob.once("open", resolve).once("error", reject));
      await until(() => frames.some((frame) => frame.startsWith("0{")));
      const { sid } = JSON.parse(frames[0]!.slice(1)) as { sid: string };
      bob.send('40{"name":"bob"}');
      await until(() => frames.some((frame) => frame.startsWith('42["session"')));
      bob.send('421["join","closing"]');
      await until(() => frames.some((frame) => frame.startsWith("431")));

      // Bob stops reading; the room's messages fill the TCP buffers until the
      // server's WebSocket can take no more and Engine.IO starts holding packets.
      bob.pause();
      const engine = server.chat.io.engine as unknown as { clients: Record<string, { transport: { writable: boolean } }> };
      const filler = "x".repeat(9_000);
      for (let i = 0; engine.clients[sid]?.transport.writable !== false; i++) {
        expect(i).toBeLessThan(5_000);
        await ok(alice.socket, "message", { room: "closing", text: filler, clientId: `filler-${i}` });
      }

      const { stopping } = await stopWhileSending(server, store, alice, "last-4");

      bob.resume();
      await until(() => frames.some((frame) => frame.startsWith('42["message"') && frame.includes("last-4")), 10_000);
      await stopping;
    });
  });

  it("when a connection never takes its last packets, then the shutdown still ends within its deadline and says so", async () => {
    const logs = memoryLogger();
    await withHeldServer({ logger: logs.logger, env: { SHUTDOWN_TIMEOUT_MS: "2000" } }, async (server, store) => {
      // Bob never polls again.
      const { alice } = await aliceAndPollingBob(server);

      const started = performance.now();
      const { stopping } = await stopWhileSending(server, store, alice, "last-5");
      await stopping;
      // Connections get 75 % of SHUTDOWN_TIMEOUT_MS (1.5 s); bob's unpolled message does not hold the rest up.
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1_450);
      expect(elapsed).toBeLessThan(2_000);
      expect(logs.entries().map((entry) => entry.msg)).toContain(
        "shutdown: some connections had not taken their last packets after the drain period",
      );
    });
  });
});
