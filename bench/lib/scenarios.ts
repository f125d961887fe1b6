/**
 * The scenarios, each run against one peer with the shared load pool. Every
 * wait is bounded; the figures come back as plain data for the report.
 */
import type { LoadPool } from "./load-pool.js";
import type { PeerProcess } from "./peer-process.js";
import { openFilesLimit } from "./proc-stat.js";
import { SATURATION_P99_MS, type Scale } from "./scale.js";

export type Phase = {
  rate: number;
  seconds: number;
  roomSize: number;
  sent: number;
  /** Acked ok by the project and the tutorial server; every send for the relays, which do not ack. */
  accepted: number;
  refused: number;
  expected: number;
  delivered: number;
  lost: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Server CPU time (user + system) from the start of sending until deliveries stopped, its own database's included. */
  serverCpuMs: number;
  /** Of serverCpuMs, what the server's own database process (FerretDB, store mongo) used; 0 without one. */
  dbCpuMs: number;
  cpuUsPerDelivery: number;
  /** Share of their cores the load workers were busy: near 100 % means they were the bottleneck. */
  generatorBusy: number;
};

export type IdleResult = {
  sockets: number;
  /** Sockets connected between the two readings: the growth is divided by this. */
  measured: number;
  heapBefore: number; heapAfter: number; rssBefore: number; rssAfter: number };
export type HistoryResult = { messages: number; fillMs: number; requests: number; p50: number; p99: number; max: number };

export type PeerResult = {
  fanout?: Phase;
  cpuSmall?: Phase;
  steps: Phase[];
  /** Highest stepped rate with p99 ≤ 100 ms and nothing lost or refused; 0 when none passed. */
  saturation?: number;
  /** True when even the highest step passed: the real limit lies above. */
  saturationUnbounded?: boolean;
  idle?: IdleResult;
  history?: HistoryResult;
};

/** Growth per socket between the two readings, in KB. */
export const perSocketKb = (idle: IdleResult, field: "heap" | "rss"): number =>
  (field === "heap" ? idle.heapAfter - idle.heapBefore : idle.rssAfter - idle.rssBefore) / idle.measured / 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One measured stretch: send at `rate` for `seconds`, wait for deliveries to stop, read every figure. */
export async function measurePhase(
  pool: LoadPool,
  peer: PeerProcess,
  rate: number,
  seconds: number,
  roomSize: number,
): Promise<Phase> {
  await pool.collect();
  const cpuStart = peer.cpuMs();
  const dbCpuStart = peer.dbCpuMs();
  const generatorStart = pool.cpuMs();
  const wallStart = performance.now();
  const sends = await pool.run(rate, seconds);
  const expected = sends.accepted * roomSize;
  // Deliveries may trail the last send; stop waiting once all arrived or none came for a second (15 s at most).
  let delivered = await pool.delivered();
  for (let last = -1, quietSince = Date.now(), deadline = Date.now() + 15_000; delivered < expected; ) {
    if (delivered !== last) [last, quietSince] = [delivered, Date.now()];
    else if (Date.now() - quietSince > 1000 || Date.now() > deadline) break;
    await sleep(50);
    delivered = await pool.delivered();
  }
  const serverCpuMs = peer.cpuMs() - cpuStart;
  const dbCpuMs = peer.dbCpuMs() - dbCpuStart;
  const wallMs = performance.now() - wallStart;
  const generatorBusy = (pool.cpuMs() - generatorStart) / (wallMs * pool.size);
  const latency = await pool.collect();
  return {
    rate,
    seconds,
    roomSize,
    sent: sends.sent,
    accepted: sends.accepted,
    refused: sends.refused,
    expected,
    delivered: latency.count,
    lost: Math.max(0, expected - latency.count),
    p50: latency.percentile(0.5),
    p95: latency.percentile(0.95),
    p99: latency.percentile(0.99),
    max: latency.maxMs,
    serverCpuMs,
    dbCpuMs,
    cpuUsPerDelivery: latency.count > 0 ? (serverCpuMs * 1000) / latency.count : NaN,
    generatorBusy,
  };
}

/**
 * Waits (2 minutes at most) until the peer, its database included, uses under a
 * fifth of a core: a store still working off one phase's backlog would
 * otherwise be charged to the next.
 */
export async function settle(peer: PeerProcess): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const before = peer.cpuMs();
    await sleep(1000);
    if (peer.cpuMs() - before < 200) return;
  }
}

const passes = (p: Phase) => p.p99 <= SATURATION_P99_MS && p.lost === 0 && p.refused === 0;

/** CPU per delivery and saturation in rooms of 10. */
export async function runSmallRooms(
  pool: LoadPool,
  peer: PeerProcess,
  scale: Scale,
  result: PeerResult,
  log: (line: string) => void,
): Promise<void> {
  const s = scale.small;
  await pool.connect(peer.kind, peer.url, s.rooms * s.perRoom, s.rooms, "small");
  await measurePhase(pool, peer, s.cpuRate, 1, s.perRoom);
  result.cpuSmall = await measurePhase(pool, peer, s.cpuRate, s.cpuSeconds, s.perRoom);
  log(`  rooms of ${s.perRoom} at ${s.cpuRate} msg/s: ${describePhase(result.cpuSmall)}`);
  await settle(peer);
  result.saturation = 0;
  result.saturationUnbounded = false;
  for (const rate of s.steps) {
    const step = await measurePhase(pool, peer, rate, s.stepSeconds, s.perRoom);
    result.steps.push(step);
    log(`  saturation step ${rate} msg/s: ${describePhase(step)} → ${passes(step) ? "pass" : "fail"}`);
    if (!passes(step)) break;
    result.saturation = rate;
    result.saturationUnbounded = rate === s.steps.at(-1);
    await sleep(500);
    await settle(peer);
  }
  await pool.close();
}

/** Latency, loss and CPU per delivery in big rooms (warm-up discarded). */
export async function runFanout(
  pool: LoadPool,
  peer: PeerProcess,
  scale: Scale,
  result: PeerResult,
  log: (line: string) => void,
): Promise<void> {
  const f = scale.fanout;
  await pool.connect(peer.kind, peer.url, f.rooms * f.perRoom, f.rooms, "big");
  await measurePhase(pool, peer, f.rate, f.warmupSeconds, f.perRoom);
  result.fanout = await measurePhase(pool, peer, f.rate, f.seconds, f.perRoom);
  log(`  fan-out ${f.rooms}×${f.perRoom} at ${f.rate} msg/s: ${describePhase(result.fanout)}`);
  await pool.close();
}

/**
 * Heap and RSS growth of a peer from a tenth of `sockets` idle connections to
 * all of them. Run it on a fresh process: after a load, RSS is not a measure.
 */
export async function runIdleScenario(pool: LoadPool, peer: PeerProcess, scale: Scale): Promise<IdleResult> {
  const sockets = scale.idle.sockets;
  const perWorker = Math.ceil(sockets / pool.size) + 100;
  const workerLimit = await pool.openFilesLimit();
  if (workerLimit < perWorker) {
    throw new Error(`the load workers may open ${workerLimit} files, ${perWorker} are needed: raise \`ulimit -Hn\``);
  }
  const peerLimit = openFilesLimit(peer.pid);
  if (peerLimit < sockets + 100) {
    throw new Error(`the server may open ${peerLimit} files, ${sockets + 100} are needed: raise \`ulimit -Hn\``);
  }
  // The baseline already holds a tenth of the sockets, so one-time costs of the
  // first connections (lazy modules, compiled code, buffers) are not counted per socket.
  const base = Math.round(sockets / 10);
  await pool.connect(peer.kind, peer.url, base, 0, "idle-a");
  await sleep(500);
  const before = await peer.memory();
  await pool.connect(peer.kind, peer.url, sockets - base, 0, "idle-b");
  await sleep(1000);
  const after = await peer.memory();
  await pool.close();
  return {
    sockets,
    measured: sockets - base,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    rssBefore: before.rss,
    rssAfter: after.rss,
  };
}

/**
 * Newest-page `history` latency in one room holding `messages` messages, filled
 * through the store's API in the server process, read through the socket protocol.
 */
export async function runHistoryScenario(pool: LoadPool, peer: PeerProcess, scale: Scale): Promise<HistoryResult> {
  const { messages, requests, limit } = scale.history;
  const warmup = 20;
  const { ms: fillMs } = await peer.fill("history", messages);
  // A user may ask for history 30 times at once (then 5/s): enough users that none is refused.
  const perWorkerUsers = Math.ceil((requests + warmup) / 25);
  await pool.connect("project", peer.url, perWorkerUsers * pool.size, 0);
  await pool.history("history", warmup, limit);
  const samples = (await pool.history("history", requests, limit)).sort((a, b) => a - b);
  await pool.close();
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(samples.length * p) - 1)]!;
  return { messages, fillMs, requests, p50: at(0.5), p99: at(0.99), max: samples.at(-1)! };
}

export function describePhase(p: Phase): string {
  const ms = (n: number) => n.toFixed(1);
  return (
    `p50 ${ms(p.p50)} p95 ${ms(p.p95)} p99 ${ms(p.p99)} max ${ms(p.max)} ms, ` +
    `${p.delivered}/${p.expected} delivered, ${p.lost} lost, ${p.refused} refused, ` +
    `${p.cpuUsPerDelivery.toFixed(1)} µs CPU/delivery, load workers ${(p.generatorBusy * 100).toFixed(0)} % busy`
  );
}
