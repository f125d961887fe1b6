/**
 * Big rooms: a join storm into one room on one node, and `rooms` on two nodes
 * sharing Redis. Each runs on fresh project processes of its own; every wait
 * is bounded.
 */
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import type { ClientSpec, LoadPool } from "./load-pool.js";
import { loadAverage } from "./machine.js";
import { PeerProcess } from "./peer-process.js";
import { openFilesLimit } from "./proc-stat.js";
import type { Scale } from "./scale.js";

export type StormResult = {
  clients: number;
  /** Time to connect every client (in no room yet), ms. */
  connectMs: number;
  ok: number;
  refused: number;
  timedOut: number;
  /** Refusals by error code. */
  errors: Record<string, number>;
  /** From the storm's start until the last join was acked ok, ms; undefined when not every join was. */
  allAckedMs: number | undefined;
  /** From the start until the last ok answer, however many there were, ms. */
  lastAckMs: number;
  /** Each ok join's time from the storm's start to its answer. */
  p50: number;
  p99: number;
  /** Every `presence` packet the clients received from the start until it stopped (or the cap), as sent on the WebSocket. */
  presenceBytes: number;
  presencePackets: number;
  /** Every packet the clients received meanwhile (join answers included). */
  bytes: number;
  /** From the start until the last `presence` arrived, ms; 0 when none came. */
  presenceLastMs: number;
  /** True when presence was still arriving when the cap ended the wait: the bytes are a lower bound. */
  cut: boolean;
  /** Server CPU (user + system) from the start until presence stopped or the cap. */
  serverCpuMs: number;
  wallMs: number;
  /** Share of their cores the load workers were busy over the same stretch. */
  generatorBusy: number;
  /** Clients the server or the transport closed meanwhile, by reason. */
  dropped: Record<string, number>;
  /** The server's largest resident set size seen during the storm (sampled every 200 ms), bytes. */
  peakRss: number;
  /** Set when the server's RSS passed the guard and it was killed: when, from the start, in ms. */
  killedAtMs?: number;
  loadAtStart: number[];
};

/**
 * The most memory a storm's server may take before it is killed: a server that
 * queues a whole room's member list to every member for every join can
 * outgrow the machine within seconds. BENCH_SERVER_RSS_LIMIT_MB, 4096 unless set.
 */
const rssLimitBytes = () => Number(process.env.BENCH_SERVER_RSS_LIMIT_MB ?? 4096) * 2 ** 20;

export type RoomsResult = {
  rooms: number;
  nodes: number;
  /** Time for every room to be joined by one client on each node, ms. */
  joinMs: number;
  /** From the last join until both nodes' `rooms` counted every room right, ms; undefined when they never did in 20 s. */
  agreedMs: number | undefined;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /** Timed answers that listed every room with its two people. */
  correct: number;
  wrong?: string;
  /** Both nodes' CPU over the timed requests, per request. */
  cpuMsPerRequest: number;
  loadAtStart: number[];
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The value at rank `p` (0–1) of sorted `values`. */
const at = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!);

/**
 * `size` clients connect to a fresh node (in no room), then all join one room
 * at the same moment. Measured from that moment: when each join is answered,
 * every `presence` byte the clients receive until none has come for 2 s (4
 * presence windows), and the server's CPU over the same stretch.
 */
export async function runJoinStorm(pool: LoadPool, size: number, scale: Scale): Promise<StormResult> {
  const capMs = scale.storms.capSeconds * 1000;
  const perWorker = Math.ceil(size / pool.size) + 100;
  const workerLimit = await pool.openFilesLimit();
  if (workerLimit < perWorker) throw new Error(`the load workers may open ${workerLimit} files, ${perWorker} are needed: raise \`ulimit -Hn\``);
  const peer = await PeerProcess.start("project");
  let guard: NodeJS.Timeout | undefined;
  try {
    const peerLimit = openFilesLimit(peer.pid);
    if (peerLimit < size + 100) throw new Error(`the server may open ${peerLimit} files, ${size + 100} are needed: raise \`ulimit -Hn\``);
    const connectStart = performance.now();
    await pool.connect("project", peer.url, size, 0, "storm", { countTraffic: true });
    const connectMs = performance.now() - connectStart;
    await sleep(500);
    await pool.traffic(true);
    const loadAtStart = loadAverage();
    // CPU read while the server lives; once it is gone, its last reading.
    let lastCpu = peer.cpuMs();
    const cpuNow = () => {
      try {
        lastCpu = peer.cpuMs();
      } catch {
        // The process has exited: keep its last reading.
      }
      return lastCpu;
    };
    const cpuStart = lastCpu;
    const generatorStart = pool.cpuMs();
    // A moment ahead, so that every worker starts at the same time.
    const startAt = Date.now() + 300;
    let peakRss = 0;
    let killedAtMs: number | undefined;
    const limit = rssLimitBytes();
    const sample = () => {
      if (killedAtMs !== undefined) return;
      let rss: number;
      try {
        rss = peer.rss();
      } catch {
        return; // the process has exited
      }
      cpuNow();
      peakRss = Math.max(peakRss, rss);
      if (rss > limit) {
        killedAtMs = Date.now() - startAt;
        peer.kill();
      }
    };
    guard = setInterval(sample, 200);
    const reports = await pool.storm("crowd", startAt, capMs).finally(() => clearInterval(guard));
    const ok = reports.reduce((n, r) => n + r.ok, 0);
    const lastOkAt = Math.max(0, ...reports.map((r) => r.lastOkAt));
    // Presence trails the answers: wait until none has come for 2 s, or the cap; the guard keeps watching.
    guard = setInterval(sample, 200);
    let last = await pool.traffic();
    let cut = false;
    for (let quietSince = Date.now(); ; ) {
      await sleep(250);
      const now = await pool.traffic(false, 60_000);
      if (now.presenceBytes !== last.presenceBytes || now.bytes !== last.bytes) quietSince = Date.now();
      last = now;
      if (Date.now() - quietSince >= 2000) break;
      if (Date.now() - startAt >= capMs) {
        // Cut short only if presence was still coming in.
        cut = now.lastPresenceAt > Date.now() - 2000;
        break;
      }
    }
    clearInterval(guard);
    const serverCpuMs = cpuNow() - cpuStart;
    const wallMs = Date.now() - startAt;
    const generatorBusy = (pool.cpuMs() - generatorStart) / (wallMs * pool.size);
    const traffic = await pool.traffic(true, 60_000);
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const errors: Record<string, number> = {};
    for (const r of reports) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
    return {
      clients: size,
      connectMs,
      ok,
      refused: reports.reduce((n, r) => n + r.refused, 0),
      timedOut: reports.reduce((n, r) => n + r.timedOut, 0),
      errors,
      allAckedMs: ok === size ? lastOkAt - startAt : undefined,
      lastAckMs: lastOkAt > 0 ? lastOkAt - startAt : NaN,
      p50: at(latencies, 0.5),
      p99: at(latencies, 0.99),
      presenceBytes: traffic.presenceBytes,
      presencePackets: traffic.presencePackets,
      bytes: traffic.bytes,
      presenceLastMs: traffic.lastPresenceAt > 0 ? traffic.lastPresenceAt - startAt : 0,
      cut,
      serverCpuMs,
      wallMs,
      generatorBusy,
      dropped: traffic.dropped,
      peakRss,
      ...(killedAtMs === undefined ? {} : { killedAtMs }),
      loadAtStart,
    };
  } finally {
    clearInterval(guard);
    await pool.close().catch(() => undefined);
    await peer.stop();
  }
}

/** The Redis the `rooms` scenario's nodes share: BENCH_REDIS_URL, or the local one. */
export const benchRedisUrl = (): string => process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** The environment of a node of the benchmark's cluster: its Redis under `prefix`, room for every room of the scenario. */
export const clusterEnv = (prefix: string, rooms: number): Record<string, string> => ({
  REDIS_URL: benchRedisUrl(),
  REDIS_PREFIX: prefix,
  MAX_ROOMS: String(rooms + 100),
});

/** Why the benchmark's Redis cannot be used (it does not answer PING within 2 s), or undefined when it can. */
export async function redisProblem(): Promise<string | undefined> {
  const client = createClient({ url: benchRedisUrl(), socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    client.destroy();
  }
}

/** Deletes every key under `prefix`, what the nodes leave behind (the adapter's streams outlive them). */
async function deleteKeys(prefix: string): Promise<void> {
  const client = createClient({ url: benchRedisUrl() });
  await client.connect();
  try {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) keys.push(...batch);
    if (keys.length) await client.del(keys);
  } finally {
    client.destroy();
  }
}

/**
 * Two nodes sharing Redis (a key prefix of their own), `rooms` rooms each
 * holding one person on each node (clients joining `roomsPerClient` rooms
 * each, within the join rate limit's burst); then `rooms` requests one at a
 * time, alternating between the nodes, each answer checked for every room's
 * count.
 */
export async function runRoomsOverRedis(pool: LoadPool, scale: Scale): Promise<RoomsResult> {
  const { rooms, roomsPerClient, requests } = scale.roomsOverRedis;
  const warmup = 20;
  const prefix = `chat-bench-${randomBytes(4).toString("hex")}`;
  const env = clusterEnv(prefix, rooms);
  const nodes: PeerProcess[] = [];
  try {
    nodes.push(...(await Promise.all([PeerProcess.start("project", { env }), PeerProcess.start("project", { env })])));
    // Let the nodes hear each other's heartbeats.
    await sleep(1500);
    const names = Array.from({ length: rooms }, (_, i) => `big-${i}`);
    const joiners: ClientSpec[] = [];
    const joins: Record<string, string[]> = {};
    nodes.forEach((node, n) => {
      for (let j = 0; j * roomsPerClient < rooms; j++) {
        const name = `joiner${n}-${j}`;
        joiners.push({ name, url: node.url });
        joins[name] = names.slice(j * roomsPerClient, (j + 1) * roomsPerClient);
      }
    });
    await pool.connectClients("project", nodes[0]!.url, joiners);
    const joinStart = performance.now();
    await pool.joinRooms(joins);
    const joinMs = performance.now() - joinStart;
    const joinedAt = performance.now();

    // The askers on the first worker, alternating between the nodes; each asks
    // at most 15 times, within the `rooms` rate limit's burst of 20.
    const perNode = Math.ceil((requests + warmup) / 15 / nodes.length);
    const askers: ClientSpec[] = [];
    for (let i = 0; i < perNode; i++) nodes.forEach((node, n) => askers.push({ name: `asker${n}-${i}`, url: node.url }));
    const checkers: ClientSpec[] = nodes.map((node, n) => ({ name: `checker${n}`, url: node.url }));
    await pool.connectClients("project", nodes[0]!.url, [...askers, ...checkers], { worker: 0 });
    const check = { prefix: "big-", rooms, members: nodes.length };
    let agreedMs: number | undefined;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(600)) {
      const polled = await pool.roomsTiming(0, checkers.map((c) => c.name), checkers.length, check);
      if (polled.correct === checkers.length) {
        agreedMs = performance.now() - joinedAt;
        break;
      }
    }
    const askerNames = askers.map((a) => a.name);
    await pool.roomsTiming(0, askerNames, warmup, check);
    const loadAtStart = loadAverage();
    const cpuStart = nodes.reduce((n, node) => n + node.cpuMs(), 0);
    const timed = await pool.roomsTiming(0, askerNames, requests, check);
    const cpuMs = nodes.reduce((n, node) => n + node.cpuMs(), 0) - cpuStart;
    const samples = [...timed.samples].sort((a, b) => a - b);
    return {
      rooms,
      nodes: nodes.length,
      joinMs,
      agreedMs,
      requests,
      p50: at(samples, 0.5),
      p99: at(samples, 0.99),
      max: samples.at(-1) ?? NaN,
      correct: timed.correct,
      ...(timed.wrong === undefined ? {} : { wrong: timed.wrong }),
      cpuMsPerRequest: cpuMs / requests,
      loadAtStart,
    };
  } finally {
    await pool.close().catch(() => undefined);
    await Promise.all(nodes.map((n) => n.stop()));
    await deleteKeys(prefix);
  }
}
