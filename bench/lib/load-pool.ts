/**
 * The load generator as seen from the orchestrator: N worker processes, the
 * clients spread over them, sends split evenly, deliveries and latencies
 * summed across them.
 */
import { exitWithin, startNodeChild, type NodeChild } from "./children.js";
import { Histogram } from "./histogram.js";
import type { PeerKind } from "./peer-process.js";
import { cpuTimeMs } from "./proc-stat.js";
import { RpcClient } from "./rpc.js";
import type { RoomsCheck, RoomsTiming, SendReport, StormReport, Traffic, WorkerCommands } from "../load/worker.js";

export type ClientSpec = { name: string; room?: string; url?: string };

type Worker = { child: NodeChild; rpc: RpcClient<WorkerCommands> };

export class LoadPool {
  private constructor(private readonly workers: Worker[]) {}

  static async start(count: number): Promise<LoadPool> {
    const workers = Array.from({ length: count }, (_, i) => {
      const child = startNodeChild("bench/load/worker.ts");
      return { child, rpc: new RpcClient<WorkerCommands>(child.proc, `load worker ${i + 1}`) };
    });
    const pool = new LoadPool(workers);
    await pool.each((w) => w.rpc.call("limits", null, 30_000));
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** CPU time all workers have used so far, ms. */
  cpuMs(): number {
    return this.workers.reduce((sum, w) => sum + cpuTimeMs(w.child.pid), 0);
  }

  /** The smallest open-files limit among the workers. */
  async openFilesLimit(): Promise<number> {
    const limits = await this.each((w) => w.rpc.call("limits", null, 10_000));
    return Math.min(...limits.map((l) => l.openFiles));
  }

  /**
   * Connects `total` more clients, named `${prefix}${i}`, client i joining room
   * `${prefix}${i % rooms}` (or none when rooms is 0), spread round-robin over the workers.
   */
  async connect(kind: PeerKind, url: string, total: number, rooms: number, prefix = "r", opts: { countTraffic?: boolean } = {}): Promise<void> {
    const clients = Array.from({ length: total }, (_, i): ClientSpec => ({
      name: `${prefix}${i}`,
      ...(rooms > 0 ? { room: `${prefix}${i % rooms}` } : {}),
    }));
    await this.connectClients(kind, url, clients, opts);
  }

  /**
   * Connects `clients` (each to its own `url` when given), spread round-robin
   * over the workers, or all on one worker when `opts.worker` is set.
   */
  async connectClients(
    kind: PeerKind,
    url: string,
    clients: ClientSpec[],
    opts: { countTraffic?: boolean; worker?: number } = {},
  ): Promise<void> {
    const shares = this.workers.map(() => [] as ClientSpec[]);
    clients.forEach((c, i) => shares[opts.worker ?? i % this.workers.length]!.push(c));
    const timeoutMs = 60_000 + clients.length * 20;
    const done = await this.each((w, i) =>
      shares[i]!.length === 0
        ? Promise.resolve({ connected: 0 })
        : w.rpc.call("connect", { kind, url, clients: shares[i]!, concurrency: 25, countTraffic: opts.countTraffic ?? false }, timeoutMs),
    );
    const connected = done.reduce((sum, d) => sum + d.connected, 0);
    if (connected !== clients.length) throw new Error(`connected ${connected} of ${clients.length} clients`);
  }

  /** What the clients connected with `countTraffic` received, summed over the workers; `reset` starts counting afresh. */
  async traffic(reset = false, timeoutMs = 30_000): Promise<Traffic> {
    const sum: Traffic = { packets: 0, bytes: 0, presencePackets: 0, presenceBytes: 0, lastPresenceAt: 0, dropped: {} };
    for (const t of await this.each((w) => w.rpc.call("traffic", { reset }, timeoutMs))) {
      sum.packets += t.packets;
      sum.bytes += t.bytes;
      sum.presencePackets += t.presencePackets;
      sum.presenceBytes += t.presenceBytes;
      sum.lastPresenceAt = Math.max(sum.lastPresenceAt, t.lastPresenceAt);
      for (const [reason, n] of Object.entries(t.dropped)) sum.dropped[reason] = (sum.dropped[reason] ?? 0) + n;
    }
    return sum;
  }

  /** Every client joins `room` at `startAt` (epoch ms); resolves with each worker's report once all are answered or timed out. */
  storm(room: string, startAt: number, timeoutMs: number): Promise<StormReport[]> {
    return this.each((w) => w.rpc.call("storm", { room, startAt, timeoutMs }, startAt - Date.now() + timeoutMs + 60_000));
  }

  /** Each named client joins its rooms, one after another; throws unless every join was answered ok. */
  async joinRooms(joins: Record<string, string[]>, timeoutMs = 30_000): Promise<void> {
    const expected = Object.values(joins).reduce((n, rooms) => n + rooms.length, 0);
    const longest = Math.max(...Object.values(joins).map((rooms) => rooms.length));
    const results = await this.each((w) => w.rpc.call("joinRooms", { joins, timeoutMs }, 60_000 + longest * timeoutMs));
    const ok = results.reduce((n, r) => n + r.ok, 0);
    if (ok !== expected) throw new Error(`joined ${ok} of ${expected} rooms: ${JSON.stringify(results)}`);
  }

  /** `requests` sequential `rooms` requests on worker `worker`, from its clients named `names` in turn. */
  roomsTiming(worker: number, names: string[], requests: number, check: RoomsCheck): Promise<RoomsTiming> {
    return this.workers[worker]!.rpc.call("roomsTiming", { names, requests, check }, 60_000 + requests * 2000);
  }

  /** Sends `rate` messages per second in total for `seconds`; resolves once every send is answered. */
  async run(rate: number, seconds: number): Promise<SendReport> {
    const reports = await this.each((w) =>
      w.rpc.call("run", { rate: rate / this.workers.length, seconds }, seconds * 1000 + 60_000),
    );
    return {
      sent: reports.reduce((s, r) => s + r.sent, 0),
      accepted: reports.reduce((s, r) => s + r.accepted, 0),
      refused: reports.reduce((s, r) => s + r.refused, 0),
      seconds: Math.max(...reports.map((r) => r.seconds)),
    };
  }

  /** Deliveries counted by every worker since the last collect. */
  async delivered(): Promise<number> {
    const counts = await this.each((w) => w.rpc.call("delivered", null, 10_000));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** The merged latency histogram since the last collect; starts a new one. */
  async collect(): Promise<Histogram> {
    const merged = new Histogram();
    for (const sparse of await this.each((w) => w.rpc.call("collect", null, 30_000))) merged.add(sparse);
    return merged;
  }

  /** `requests` sequential newest-page `history` requests from the first worker's clients, in ms. */
  history(room: string, requests: number, limit: number): Promise<number[]> {
    return this.workers[0]!.rpc.call("history", { room, requests, limit }, 30_000 + requests * 1000);
  }

  async close(): Promise<void> {
    await this.each((w) => w.rpc.call("close", null, 30_000));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map((w) => {
        if (w.child.proc.connected) w.child.proc.disconnect();
        return exitWithin(w.child.proc, 5000);
      }),
    );
  }

  private each<T>(fn: (w: Worker, i: number) => Promise<T>): Promise<T[]> {
    return Promise.all(this.workers.map(fn));
  }
}
