/**
 * What the Socket.IO server contributes to the metrics: deliveries counted
 * where packets are written, and the gauges' live sources.
 */
import type { Server } from "socket.io";
import type { ChatMetrics } from "./chat-metrics.js";

/**
 * The start of an encoded `message` event in the "/" namespace as
 * socket.io-parser writes it (packet type 2, EVENT). A chat message is text,
 * so it is always a string; the connection-state-recovery offset goes at the
 * end of the array and does not change the start.
 */
const MESSAGE_EVENT_PREFIX = '2["message",';

/** The part of an Engine.IO connection this needs. */
type EngineConnection = { on(event: "packetCreate", listener: (packet: { type: string; data?: unknown }) => void): unknown };

/**
 * Counts `chat_deliveries_total` at the Engine.IO socket, one per chat
 * message written to one connection. Counting there rather than where this
 * node fans out is what makes it right: it also sees messages that another
 * node published through Redis, replays of missed messages after a
 * connection-state recovery, and it skips sockets whose connection is
 * already closing. The cost is one prefix test on a string socket.io has
 * already encoded, per packet written — no extra encoding, no room walk.
 */
export function countDeliveries(io: Server, metrics: ChatMetrics): void {
  // One listener shared by every connection: a closure each would cost memory on every idle one.
  const count = (packet: { type: string; data?: unknown }) => {
    if (packet.type === "message" && typeof packet.data === "string" && packet.data.startsWith(MESSAGE_EVENT_PREFIX)) {
      metrics.deliveries.inc();
    }
  };
  io.engine.on("connection", (conn: EngineConnection) => {
    conn.on("packetCreate", count);
  });
}

/** Connected sockets on this node. */
export const socketCount = (io: Server) => (): number => io.of("/").sockets.size;

/**
 * Chat rooms with at least one socket on this node: the adapter's local room
 * table, so a scrape costs one pass over it and never a cross-node call.
 */
export const localRoomCount =
  (io: Server, isChatRoom: (key: string) => boolean) =>
  (): number => {
    let n = 0;
    for (const key of io.of("/").adapter.rooms.keys()) if (isChatRoom(key)) n++;
    return n;
  };
