/**
 * Where a server's CPU time goes, by area of work rather than by function:
 * each profile sample is charged to the innermost frame on its stack whose
 * source file belongs to an area (validation, storage, encoding…). Node's
 * own internals and native functions have no area of their own: a `writev`
 * is charged to whoever wrote (the WebSocket sender, or the database driver),
 * `JSON.stringify` to the encoder that called it. Samples with no such frame
 * at all are Node's event loop itself (timers, reading sockets, promise jobs).
 */
import { timePerNode, type CpuProfile, type Window } from "./cpu-profile.js";

export type Area = { name: string; matches: (file: string) => boolean };

const under = (...parts: string[]) => (file: string) => parts.some((p) => file.includes(p));

/**
 * The areas of a chat server's work, innermost match first. The project's own
 * files and the libraries both the project and the tutorial server use.
 */
export const AREAS: readonly Area[] = [
  { name: "validation (zod schemas, argument checks)", matches: under("node_modules/zod/", "/server/protocol.", "/server/socketio/router.") },
  { name: "rate limits and the storage queue bound", matches: under("/server/socketio/rate-limit.", "/server/storage/limiter.", "/server/storage/storage-call.") },
  {
    name: "storage (driver, mongoose, BSON, SQLite, the stores)",
    matches: under(
      "node_modules/mongodb/",
      "node_modules/mongoose/",
      "node_modules/bson/",
      "node_modules/kareem/",
      "node_modules/mpath/",
      "node_modules/sift/",
      "/server/storage/",
      "/server/messages/mongo-",
      "/server/messages/sqlite-",
      "/server/messages/message.model.",
      "/server/messages/search-terms.",
    ),
  },
  { name: "acks", matches: under("/server/socketio/ack.") },
  { name: "recovery buffer", matches: under("/server/socketio/recovery-adapter.") },
  { name: "encoding (Socket.IO and Engine.IO packets)", matches: under("node_modules/socket.io-parser/", "node_modules/engine.io-parser/") },
  { name: "socket writes (WebSocket frames, write batching, the kernel's writev)", matches: under("node_modules/ws/lib/sender.", "/server/socketio/write-batching.") },
  { name: "reading frames", matches: under("node_modules/ws/lib/receiver.", "node_modules/ws/lib/buffer-util.") },
  { name: "Socket.IO and Engine.IO (rooms, broadcast, acks' plumbing)", matches: under("node_modules/socket.io/", "node_modules/socket.io-adapter/", "node_modules/engine.io/", "node_modules/ws/") },
  { name: "metrics", matches: under("node_modules/prom-client/", "/server/metrics/") },
  { name: "logging and debug", matches: under("node_modules/pino", "node_modules/debug/", "/server/logger.") },
  { name: "the message's handling (ids, service, publish, the tutorial's handler)", matches: under("/server/", "/bench/peers/") },
];

export const GC = "garbage collector";
export const EVENT_LOOP = "Node itself (event loop, timers, sockets read, promise jobs, V8)";

export type AreaTime = { name: string; ms: number };

/**
 * CPU time by area, largest first, over the samples within `window` when
 * given (idle left out).
 */
export function timeByArea(profile: CpuProfile, window?: Window, areas: readonly Area[] = AREAS): AreaTime[] {
  const parent = new Map<number, number>();
  const frame = new Map<number, { functionName: string; url: string }>();
  for (const node of profile.nodes) {
    frame.set(node.id, node.callFrame);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // Each node's area, found once: its own file's, else its caller's.
  const areaOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = areaOf.get(id);
    if (known !== undefined) return known;
    const { functionName, url } = frame.get(id) ?? { functionName: "", url: "" };
    let area: string;
    if (functionName === "(garbage collector)") area = GC;
    else if (functionName === "(idle)") area = "(idle)";
    else {
      const own = url.startsWith("file://") ? areas.find((a) => a.matches(url)) : undefined;
      const up = parent.get(id);
      area = own ? own.name : up === undefined ? EVENT_LOOP : resolve(up);
    }
    areaOf.set(id, area);
    return area;
  };
  const totals = new Map<string, number>();
  for (const [id, us] of timePerNode(profile, window)) {
    const area = resolve(id);
    if (area !== "(idle)") totals.set(area, (totals.get(area) ?? 0) + us / 1000);
  }
  return [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}
