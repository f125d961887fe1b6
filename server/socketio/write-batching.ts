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
import { within } from "../within.js";

type Corkable = { cork(): void; uncork(): void };

/** Set on a connection while its flush waits for the end of the turn. */
const QUEUED = Symbol("flush queued");

/** The parts of an Engine.IO connection this needs. */
type EngineConnection = {
  flush?: (this: EngineConnection) => void;
  transport?: { name?: string; socket?: { _socket?: Partial<Corkable> } };
  /** Packets not yet handed to the transport (Engine.IO internal). */
  writeBuffer?: unknown[];
  on(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
  [QUEUED]?: boolean;
};

export type WriteBatching = {
  /**
   * Hands every connection's queued packets to its transport now, instead of
   * at the end of the turn, and waits until each connection has taken all of
   * them (or has closed): closing connections drops whatever they still hold.
   * A transport may not take packets at once — a long-polling connection
   * between two requests, a WebSocket still writing its previous frames, a
   * connection in the middle of an upgrade — so this waits for its `drain`,
   * up to `timeoutMs`. Never rejects: a connection whose write throws is
   * reported in `error` while the others are still waited for.
   */
  writeOut(timeoutMs: number): Promise<{ allTaken: boolean; error: unknown }>;
};

export function batchWrites(io: Server): WriteBatching {
  // Connections with something queued, in the order they queued it; one
  // setImmediate flushes them all. A connection holds only its flag: a
  // closure or bound function each would cost every idle connection memory,
  // and a flag is cheaper to test on every packet than a lookup in a set.
  let due: EngineConnection[] = [];
  let engineFlush: ((this: EngineConnection) => void) | undefined;
  const flushAll = () => {
    const batch = due;
    // Whatever queues while this batch is written goes out in the next turn.
    due = [];
    // Every connection gets its flush even if one throws; the first error is rethrown after.
    let failure: unknown;
    for (const conn of batch) {
      conn[QUEUED] = false;
      try {
        flushCorked(conn, engineFlush!);
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
    engineFlush ??= conn.flush;
    if (conn.flush !== engineFlush) return;
    conn[QUEUED] = false;
    conn.flush = flushLater;
  });
  // Engine.IO's table of open connections by id (public in its documentation, protected in its types).
  const connections = (io.engine as unknown as { clients: Record<string, EngineConnection> }).clients;
  const writeOut = async (timeoutMs: number) => {
    let error: unknown;
    const flushAllNow = () => {
      try {
        // `flushAll` empties `due`, so the setImmediate already scheduled finds nothing to do.
        flushAll();
      } catch (err) {
        error ??= err;
      }
    };
    flushAllNow();
    const waits = Object.values(connections).filter(holdsPackets).map(untilTaken);
    const allTaken = await within(
      Promise.all(waits.map((wait) => wait.done)).then(() => true),
      timeoutMs,
      false,
    );
    for (const wait of waits) wait.stop();
    // What was queued while waiting (answers to late requests, say) is handed over too.
    flushAllNow();
    return { allTaken, error };
  };
  return { writeOut };
}

function holdsPackets(conn: EngineConnection): boolean {
  return Array.isArray(conn.writeBuffer) && conn.writeBuffer.length > 0;
}

/**
 * `done` resolves once `conn` has handed every queued packet to its transport
 * (Engine.IO emits `drain` after each hand-over) or has closed; `stop` removes
 * the listeners, whichever comes first.
 */
function untilTaken(conn: EngineConnection): { done: Promise<void>; stop(): void } {
  let stop = () => {};
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      stop();
      resolve();
    };
    const onDrain = () => {
      if (!holdsPackets(conn)) finish();
    };
    stop = () => {
      conn.off("drain", onDrain);
      conn.off("close", finish);
    };
    conn.on("drain", onDrain);
    conn.on("close", finish);
  });
  return { done, stop };
}

/** Engine.IO's flush of `conn`, with its TCP socket corked around it so the frames leave in one write. */
function flushCorked(conn: EngineConnection, engineFlush: (this: EngineConnection) => void): void {
  const tcp = tcpSocketOf(conn);
  tcp?.cork();
  try {
    engineFlush.call(conn);
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
