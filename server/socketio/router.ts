/**
 * One listener per socket for every client event: it hands each event to the
 * handler of its name and counts events the protocol does not know.
 *
 * Why not `socket.on(event, handler)` for each event: every socket would then
 * hold a listener table with a slot per event, about half a kilobyte per idle
 * connection. Socket.IO's catch-all (`onAny`) takes one array entry instead.
 */
import { CLIENT_EVENTS } from "../protocol.js";
import type { ChatSocket, EventListeners, SharedListener, SocketStats } from "./types.js";

/**
 * The catch-all listener for `socket.onAny`. Socket.IO calls it as soon as an
 * event arrives; a handler runs as it would under `socket.on`: on the next
 * tick, and only while the socket is still connected.
 */
export function eventRouter(listeners: EventListeners, stats: SocketStats): SharedListener {
  const known = new Set<unknown>(CLIENT_EVENTS);
  const handlers = new Map(Object.entries(listeners));
  return function (this: ChatSocket, event: unknown, ...args: unknown[]) {
    if (!known.has(event)) stats.unknownEvents++;
    const handler = typeof event === "string" ? handlers.get(event) : undefined;
    if (!handler) return;
    process.nextTick(() => {
      if (this.connected) handler.apply(this, args);
    });
  };
}
