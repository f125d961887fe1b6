/**
 * Sends one event to the sockets of some rooms, on every node, through the
 * adapter's `broadcast` — what `io.to(...).emit()` does — but awaitable: with
 * Redis, the event is published to the other nodes before the caller goes on
 * (to ack the sender, say), so a node dying right after cannot strand it.
 */
import type { ChatServer } from "./types.js";

/** Socket.IO's EVENT packet type (socket.io-parser). */
export const EVENT_PACKET = 2;

/** `rooms` empty: every socket. */
export async function publish(io: ChatServer, rooms: string[], event: string, payload: unknown): Promise<void> {
  const packet = { type: EVENT_PACKET, data: [event, payload], nsp: "/" };
  await io.of("/").adapter.broadcast(packet, { rooms: new Set(rooms), except: new Set() });
}
