/**
 * One write per connection per turn of the event loop.
 *
 * Engine.IO writes every packet as soon as it is queued, and each WebSocket
 * frame becomes its own `writev` system call — half of the server's CPU time
 * under load. A chat sends several frames to one connection in quick
 * succession: the sender gets its own message and then its ack; a member of a
 * busy room gets several messages while the server works through one batch of
 * input. Here a connection's flush waits until the end of the current
 * event-loop turn (`setImmediate`), and its TCP socket is corked while the
 * queued frames are handed to it, so they leave in one `writev`.
 *
 * The order of packets is unchanged, nothing is dropped, and no frame waits
 * longer than the rest of the current turn: the turn in which it was queued
 * ends with its write.
 *
 * Two internals are used, each checked before use: Engine.IO's
 * `Socket#flush` (the one method that moves queued packets to the
 * transport; Engine.IO itself calls it through `this`, so replacing it on the
 * instance covers every path), and the `ws` WebSocket's TCP socket
 * (`_socket`, the same one Engine.IO's own fast path writes through).
 * Without them a connection is left as it is.
 */
import type { Server } from "socket.io";

type Corkable = { cork(): void; uncork(): void };

/** The parts of an Engine.IO connection this needs. */
type EngineConnection = {
  flush?: () => void;
  transport?: { name?: string; socket?: { _socket?: Partial<Corkable> } };
};

export function batchWrites(io: Server): void {
  // One setImmediate for every connection with something queued, rather than one each.
  const due: (() => void)[] = [];
  const flushAll = () => {
    const batch = due.splice(0);
    // Every connection gets its flush even if one throws; the first error is rethrown after.
    let failure: unknown;
    for (const flush of batch) {
      try {
        flush();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  };
  io.engine.on("connection", (conn: EngineConnection) => {
    const flushNow = conn.flush?.bind(conn);
    if (!flushNow) return;
    let queued = false;
    const flushBatch = () => {
      queued = false;
      const tcp = tcpSocketOf(conn);
      tcp?.cork();
      try {
        flushNow();
      } finally {
        tcp?.uncork();
      }
    };
    conn.flush = () => {
      if (queued) return;
      queued = true;
      if (due.length === 0) setImmediate(flushAll);
      due.push(flushBatch);
    };
  });
}

/** The TCP socket under a WebSocket transport; undefined for long-polling or when `ws` changes. */
function tcpSocketOf(conn: EngineConnection): Corkable | undefined {
  if (conn.transport?.name !== "websocket") return undefined;
  const tcp = conn.transport.socket?._socket;
  return typeof tcp?.cork === "function" && typeof tcp.uncork === "function" ? (tcp as Corkable) : undefined;
}
