/**
 * What every peer shares: listen on loopback, tell the parent the port, and
 * answer its commands — its own memory after a forced GC, and stop.
 */
import type http from "node:http";
import { serveParent, type Handlers } from "../lib/rpc.js";

export type MemoryReport = { heapUsed: number; rss: number };

export type PeerCommands = {
  memory: { args: null; result: MemoryReport };
  stop: { args: null; result: null };
  fill: { args: { room: string; count: number }; result: { filled: number; ms: number } };
};

/** The message a peer sends once it listens. */
export type ReadyMessage = { ready: true; port: number };

/**
 * Serves a peer's http server on 127.0.0.1 (a free port) until the parent
 * says stop or goes away. `stop` exits cleanly so `--cpu-prof` can write its
 * profile.
 */
export async function hostPeer(
  server: http.Server,
  close: () => Promise<void>,
  fill?: Handlers<PeerCommands>["fill"],
): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  serveParent<PeerCommands>({
    memory: () => {
      if (!globalThis.gc) throw new Error("the peer needs --expose-gc");
      // Twice: the first pass can leave objects that only die in the next one.
      globalThis.gc();
      globalThis.gc();
      const { heapUsed, rss } = process.memoryUsage();
      return { heapUsed, rss };
    },
    stop: async () => {
      await Promise.race([close(), new Promise((r) => setTimeout(r, 5000))]);
      setImmediate(() => process.exit(0));
      return null;
    },
    fill:
      fill ??
      (() => {
        throw new Error("this peer keeps no history");
      }),
  });
  const ready: ReadyMessage = { ready: true, port };
  process.send?.(ready);
}
