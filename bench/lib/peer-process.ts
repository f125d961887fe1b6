/** Starting, measuring and stopping one benchmark peer as its own process. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { exitWithin, startNodeChild, type NodeChild } from "./children.js";
import { FerretProcess } from "./ferretdb.js";
import { cpuTimeMs, rssBytes } from "./proc-stat.js";
import { RpcClient } from "./rpc.js";
import type { MemoryReport, PeerCommands, ReadyMessage } from "../peers/peer-host.js";

/** A peer program, and so the protocol its load clients speak. */
export type PeerKind = "project" | "relay" | "ws" | "tutorial";

export const PEERS: readonly PeerKind[] = ["project", "relay", "ws", "tutorial"];

/** Where a peer that stores messages keeps them: the project's embedded SQLite database, or a FerretDB of its own. */
export type Store = "sqlite" | "mongo";

export const STORES: readonly Store[] = ["sqlite", "mongo"];

/**
 * A column of the results: a peer, and for this project also the store it ran
 * on. The relays store nothing; the tutorial server stores into MongoDB only.
 */
export type Contender = "project" | "relay" | "ws" | "projectMongo" | "tutorial";

export const CONTENDERS: readonly Contender[] = ["project", "relay", "ws", "projectMongo", "tutorial"];

export const PEER_LABELS: Record<Contender, string> = {
  project: "this project",
  relay: "Socket.IO relay",
  ws: "raw ws relay",
  projectMongo: "this project on MongoDB",
  tutorial: "tutorial (mongoose)",
};

/** The contender a peer is when it runs on `store`. */
export function contenderOf(kind: PeerKind, store: Store): Contender {
  if (kind === "project") return store === "mongo" ? "projectMongo" : "project";
  return kind;
}

/** The peer program and store behind a contender. */
export function peerOf(c: Contender): { kind: PeerKind; store?: Store } {
  if (c === "projectMongo") return { kind: "project", store: "mongo" };
  if (c === "project") return { kind: "project", store: "sqlite" };
  if (c === "tutorial") return { kind: "tutorial", store: "mongo" };
  return { kind: c };
}

const SCRIPTS: Record<PeerKind, string> = {
  project: "bench/peers/project.ts",
  relay: "bench/peers/socketio-relay.ts",
  ws: "bench/peers/ws-relay.ts",
  tutorial: "bench/peers/tutorial-mongo.ts",
};

/**
 * The project's real configuration with the limits a load test needs raised:
 * every client comes from 127.0.0.1 and sends far more than a person would.
 * It stores into the embedded SQLite database, in a fresh directory of its
 * own (`dataDir`), whatever the caller's environment says — or, when `extra`
 * names one (store mongo), into the MONGODB_URI of its own FerretDB.
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
    /** The peer's own FerretDB (store mongo), stopped with it. */
    private readonly db: FerretProcess | undefined,
  ) {}

  /**
   * Starts a peer and resolves once it listens. `env` only reaches the project
   * peer. With `store: "mongo"` (the tutorial server always) the peer gets a
   * fresh FerretDB of its own, whose CPU time counts with the peer's.
   */
  static async start(
    kind: PeerKind,
    opts: { env?: Record<string, string>; nodeArgs?: string[]; store?: Store } = {},
  ): Promise<PeerProcess> {
    const store = kind === "tutorial" ? "mongo" : opts.store;
    const db = store === "mongo" && (kind === "project" || kind === "tutorial") ? await FerretProcess.start() : undefined;
    const dataDir = kind === "project" ? mkdtempSync(path.join(tmpdir(), "chat-bench-")) : undefined;
    const mongo: Record<string, string> = db ? { MONGODB_URI: db.uri } : {};
    const child = startNodeChild(SCRIPTS[kind], {
      nodeArgs: ["--expose-gc", ...(opts.nodeArgs ?? [])],
      env: dataDir ? projectEnv(dataDir, { ...mongo, ...opts.env }) : { NODE_ENV: "production", ...mongo },
    });
    const label = PEER_LABELS[contenderOf(kind, store ?? "sqlite")];
    const rpc = new RpcClient<PeerCommands>(child.proc, label);
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
    }).catch(async (err: unknown) => {
      child.proc.kill("SIGKILL");
      await db?.stop();
      throw err;
    });
    return new PeerProcess(kind, `http://127.0.0.1:${port}`, child, rpc, dataDir, db);
  }

  get pid(): number {
    return this.child.pid;
  }

  /** CPU time (user + system) the peer process and its database process (if any) have used so far, ms. */
  cpuMs(): number {
    return cpuTimeMs(this.child.pid) + this.dbCpuMs();
  }

  /** CPU time (user + system) of the peer's own FerretDB so far, ms; 0 without one. */
  dbCpuMs(): number {
    return this.db ? cpuTimeMs(this.db.pid) : 0;
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
    await this.db?.stop();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
