import type { Socket as TcpSocket } from "node:net";
import { describe, expect, it } from "vitest";
import type { ChatMessage, PresenceNotice } from "../../server/protocol.js";
import { connectClient, ok, until } from "../helpers/client.js";
import { useServer } from "../helpers/use-server.js";

/** Counts the writes that reach the TCP socket of a connection's WebSocket transport. */
function countWrites(conn: unknown): { count: number } {
  const tcp = (conn as { transport: { socket: { _socket: TcpSocket } } }).transport.socket._socket;
  const counter = { count: 0 };
  const patched = tcp as unknown as Record<"_write" | "_writev", (...args: unknown[]) => void>;
  for (const method of ["_write", "_writev"] as const) {
    const original = patched[method]!.bind(tcp);
    patched[method] = (...args: unknown[]) => {
      counter.count++;
      original(...args);
    };
  }
  return counter;
}

describe("writes per connection", () => {
  const env = useServer();

  it("when a message is sent, then the sender's copy and its ack leave in one write", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    await ok(alice.socket, "join", "batched");
    const received: ChatMessage[] = [];
    alice.socket.on("message", (m) => received.push(m));
    const writes = countWrites(env.server.chat.io.sockets.sockets.get(alice.socket.id!)!.conn);

    const { message } = await ok<{ message: ChatMessage }>(alice.socket, "message", { room: "batched", text: "hello" });
    await until(() => received.length === 1);
    expect(received).toEqual([message]);
    expect(writes.count).toBe(1);
  });

  it("when several events are sent to a connection in one turn, then they leave in one write, in order", async () => {
    const bob = await connectClient(env.server.url, { name: "bob" });
    const received: PresenceNotice[] = [];
    bob.socket.on("presence", (p) => received.push(p));
    const server = env.server.chat.io.sockets.sockets.get(bob.socket.id!)!;
    const writes = countWrites(server.conn);

    for (let i = 0; i < 5; i++) server.emit("presence", { room: `r${i}`, count: 0 });
    await until(() => received.length === 5);
    expect(received.map((p) => p.room)).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    expect(writes.count).toBe(1);
  });

  it("when a client is on long-polling or upgrades from it, then its messages and acks still arrive in order", async () => {
    for (const transports of [["polling"], ["polling", "websocket"]]) {
      const carol = await connectClient(env.server.url, { name: "carol" }, { transports });
      await ok(carol.socket, "join", "polled");
      const received: ChatMessage[] = [];
      carol.socket.on("message", (m) => received.push(m));
      const sent: ChatMessage[] = [];
      for (let i = 0; i < 3; i++) {
        sent.push((await ok<{ message: ChatMessage }>(carol.socket, "message", { room: "polled", text: `${transports.join("+")} ${i}` })).message);
      }
      await until(() => received.length === 3);
      expect(received).toEqual(sent);
      carol.socket.disconnect();
    }
  });
});
