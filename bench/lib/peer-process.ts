/** Starting, measuring and stopping one benchmark peer as its own process. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { exitWithin, startNodeChild, type NodeChild } from "./children.js";
import { cpuTimeMs, rssBytes } from "./proc-stat.js";
import { RpcClient } from "./rpc.js";
import type { MemoryReport, PeerCommands, ReadyMessage } from "../peers/peer-host.js";

export type PeerKind = "project" | "relay" | "ws";

export const PEERS: readonly PeerKind[] = ["project", "relay", "ws"];

export const PEER_LABELS: Record<PeerKind, string> = {
  project: "this project",
  relay: "Socket.IO relay",
  ws: "raw ws relay",
};

const SCRIPTS: Record<PeerKind, string> = {
  project: "bench/peers/project.ts",
  relay: "bench/peers/socketio-relay.ts",
  ws: "bench/peers/ws-relay.ts",
};

/**
 * The project's real configuration with the limits a load test needs raised:
 * every client comes from 127.0.0.1 and sends far more than a person would.
 * It stores into the embedded SQLite database, in a fresh directory of its
 * own (`dataDir`), whatever the caller's environment says.
 */
function projectEnv(dataDir: string, extra: Record<string, string>): Record<string, string | undefined> {
  return {
    DATA_DIR: dataDir,
    NODE_ENV: "production",
    SESSION_SECRET: "benchmark-secret-of-at-least-32-characters",
    LOG_LEVEL: "error",
    MONGODB_URI: undefined,
    REDIS_URL: undefined,
    MAX_CONNECTIONS_PER_IP: "1000000",
    RATE_LIMIT_BURST: "10000",
    RATE_LIMIT_PER_SECOND: "10000",
    RATE_LIMIT_PER_IP_FACTOR: "1000000",
    ...extra,
  };
}

export class PeerProcess {
  private constructor(
    readonly kind: PeerKind,
    readonly url: string,
    private readonly child: NodeChild,
    private readonly rpc: RpcClient<PeerCommands>,
    /** The project peer's database directory, removed when it stops. */
    private readonly dataDir: string | undefined,
  ) {}

  /** Starts a peer and resolves once it listens. `env` only reaches the project peer. */
  static async start(
    kind: PeerKind,
    opts: { env?: Record<string, string>; nodeArgs?: string[] } = {},
  ): Promise<PeerProcess> {
    const dataDir = kind === "project" ? mkdtempSync(path.join(tmpdir(), "chat-bench-")) : undefined;
    const child = startNodeChild(SCRIPTS[kind], {
      nodeArgs: ["--expose-gc", ...(opts.nodeArgs ?? [])],
      env: dataDir ? projectEnv(dataDir, opts.env ?? {}) : { NODE_ENV: "production" },
    });
    const rpc = new RpcClient<PeerCommands>(child.proc, PEER_LABELS[kind]);
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind} peer did not start within 30 s:\n${child.output()}`)), 30_000);
      child.proc.on("message", (m: Partial<ReadyMessage>) => {
        if (m.ready && typeof m.port === "number") {
          clearTimeout(timer);
          resolve(m.port);
        }
      });
      child.proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${kind} peer exited (${code ?? signal}) before listening:\n${child.output()}`));
      });
    });
    return new PeerProcess(kind, `http://127.0.0.1:${port}`, child, rpc, dataDir);
  }

  get pid(): number {
    return this.child.pid;
  }

  /** CPU time (user + system) the peer process has used so far, ms. */
  cpuMs(): number {
    return cpuTimeMs(this.child.pid);
  }

  /** heapUsed and RSS as the peer reports them after a forced GC. */
  memory(): Promise<MemoryReport> {
    return this.rpc.call("memory", null, 30_000);
  }

  fill(room: string, count: number): Promise<{ filled: number; ms: number }> {
    return this.rpc.call("fill", { room, count }, 300_000);
  }

  /** Resident set size of the peer process now, bytes. */
  rss(): number {
    return rssBytes(this.child.pid);
  }

  /** Ends the peer at once (SIGKILL), e.g. before it takes the machine's memory. */
  kill(): void {
    this.child.proc.kill("SIGKILL");
  }

  /** Asks the peer to exit cleanly (so a CPU profile gets written), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const exited = exitWithin(this.child.proc, 10_000);
    this.rpc.call("stop", null, 10_000).catch(() => undefined);
    await exited;
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
