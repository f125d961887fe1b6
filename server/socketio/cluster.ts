/**
 * Cluster-wide socket lookups through the adapter (every node's sockets when
 * Redis is configured). When other nodes cannot answer in time — Redis is
 * down — this node answers for its own sockets instead of failing.
 */
import type { Logger } from "../logger.js";
import type { ChatMetrics } from "../metrics/chat-metrics.js";
import type { SocketData } from "../protocol.js";
import type { ChatServer } from "./types.js";

const CLUSTER_TIMEOUT_MS = 1500;

export type FoundSocket = { id: string; data: SocketData };

export async function fetchSocketsIn(io: ChatServer, room: string, logger: Logger, metrics: ChatMetrics): Promise<FoundSocket[]> {
  metrics.clusterRequests.inc();
  try {
    return await io.in(room).timeout(CLUSTER_TIMEOUT_MS).fetchSockets();
  } catch (err) {
    logger.warn({ err: (err as Error).message, room }, "cluster lookup failed; answering for this node only");
    // Straight from this node's room table: the adapter's own "local" path still asks Redis.
    const ids = io.of("/").adapter.rooms.get(room) ?? new Set<string>();
    return [...ids].flatMap((id) => {
      const socket = io.sockets.sockets.get(id);
      return socket ? [socket] : [];
    });
  }
}
