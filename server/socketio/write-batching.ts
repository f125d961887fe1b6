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

/** Set on a connection while its flush waits for the end of the turn. */
const QUEUED = Symbol("flush queued");

/** The parts of an Engine.IO connection this needs. */
type EngineConnection = {
  flush?: (this: EngineConnection) => void;
  transport?: { name?: string; socket?: { _socket?: Partial<Corkable> } };
  [QUEUED]?: boolean;
};

/** Writes what is queued at once, instead of at the end of the turn: before connections are closed. */
export type WriteBatching = { flushNow(): void };

export function batchWrites(io: Server): WriteBatching {
  // Connections with something queued, in the order they queued it; one
  // setImmediate flushes them all. A connection holds only its flag: a
  // closure or bound function each would cost every idle connection memory,
  // and a flag is cheaper to test on every packet than a lookup in a set.
  let due: EngineConnection[] = [];
  let flushNow: ((this: EngineConnection) => void) | undefined;
  const flushAll = () => {
    const batch = due;
    // Whatever queues while this batch is written goes out in the next turn.
    due = [];
    // Every connection gets its flush even if one throws; the first error is rethrown after.
    let failure: unknown;
    for (const conn of batch) {
      conn[QUEUED] = false;
      try {
        flushCorked(conn, flushNow!);
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  };
  // Engine.IO calls it as `this.flush()`, so one function serves every connection.
  const flushLater = function (this: EngineConnection) {
    if (this[QUEUED]) return;
    this[QUEUED] = true;
    if (due.length === 0) setImmediate(flushAll);
    due.push(this);
  };
  io.engine.on("connection", (conn: EngineConnection) => {
    // Engine.IO's own flush, a method shared by every connection.
    if (typeof conn.flush !== "function") return;
    flushNow ??= conn.flush;
    if (conn.flush !== flushNow) return;
    conn[QUEUED] = false;
    conn.flush = flushLater;
  });
  // The setImmediate already scheduled then finds nothing due.
  return { flushNow: flushAll };
}

/** Engine.IO's flush of `conn`, with its TCP socket corked around it so the frames leave in one write. */
function flushCorked(conn: EngineConnection, flushNow: (this: EngineConnection) => void): void {
  const tcp = tcpSocketOf(conn);
  tcp?.cork();
  try {
    flushNow.call(conn);
  } finally {
    tcp?.uncork();
  }
}

/** The TCP socket under a WebSocket transport; undefined for long-polling or when `ws` changes. */
function tcpSocketOf(conn: EngineConnection): Corkable | undefined {
  if (conn.transport?.name !== "websocket") return undefined;
  const tcp = conn.transport.socket?._socket;
  return typeof tcp?.cork === "function" && typeof tcp.uncork === "function" ? (tcp as Corkable) : undefined;
}
