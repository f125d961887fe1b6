/**
 * The benchmark: this project's server, a minimal Socket.IO relay and a raw
 * `ws` relay, driven by the same load generator in one run.
 *
 *   npm run bench                  # full run (about 10 minutes), writes bench/results/<date>.md
 *   npm run bench -- --quick       # every scenario scaled down, under 2 minutes (CI smoke test)
 *   npm run bench -- --out FILE    # write the results elsewhere
 *   npm run bench -- --only load,idle,history --peers project,relay,ws   # a subset
 *   npm run bench -- --only joinstorm,rooms   # big rooms only: join storms, `rooms` on two nodes over Redis (this project only)
 *   npm run bench -- --repeat 3    # the load scenarios 3 times, peers taking turns; the summary shows medians
 *   npm run bench -- --store mongo           # this project on MongoDB against the tutorial's mongoose server, each with a FerretDB of its own
 *   npm run bench -- --store sqlite,mongo    # both: the project on each store, the relays and the tutorial server
 *
 * Exits non-zero only when the harness itself breaks, never for a missed target.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../server/paths.js";
import { benchRedisUrl, redisProblem, runJoinStorm, runRoomsOverRedis } from "./lib/big-rooms.js";
import { installCleanup, killAllChildren } from "./lib/children.js";
import { LoadPool } from "./lib/load-pool.js";
import { describeMachine, loadAverage } from "./lib/machine.js";
import {
  CONTENDERS,
  PEER_LABELS,
  PEERS,
  PeerProcess,
  peerOf,
  STORES,
  type Contender,
} from "./lib/peer-process.js";
import { describeRooms, describeStorm, markdown, textTable, type RunReport } from "./lib/report.js";
import { FULL, QUICK } from "./lib/scale.js";
import { perSocketKb, runFanout, runHistoryScenario, runIdleScenario, runSmallRooms, type PeerResult } from "./lib/scenarios.js";

const SCENARIOS = ["load", "idle", "history", "joinstorm", "rooms"] as const;
/** Run against each chosen peer; the others concern this project alone and start their own processes. */
const PER_PEER: readonly string[] = ["load", "idle", "history"];

const emptyResults = () =>
  Object.fromEntries(CONTENDERS.map((k) => [k, { steps: [] }])) as unknown as Record<Contender, PeerResult>;

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string" },
    only: { type: "string", default: SCENARIOS.join(",") },
    peers: { type: "string" },
    store: { type: "string", default: "sqlite" },
    repeat: { type: "string", default: "1" },
  },
});
const repeat = Number(args.repeat);
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) {
  console.error("--repeat: a whole number from 1 to 20");
  process.exit(2);
}
const scale = args.quick ? QUICK : FULL;
const pick = <T extends string>(list: string, known: readonly T[], flag: string): T[] => {
  const chosen = list.split(",").map((s) => s.trim());
  const unknown = chosen.filter((s) => !known.includes(s as T));
  if (unknown.length) {
    console.error(`${flag}: unknown ${unknown.join(", ")} (choose from ${known.join(", ")})`);
    process.exit(2);
  }
  return known.filter((k) => chosen.includes(k));
};
const scenarios = pick(args.only, SCENARIOS, "--only");
const stores = pick(args.store, STORES, "--store");
// By default: on the embedded store the project and the relays, on MongoDB the project and the tutorial server.
const peers =
  args.peers === undefined
    ? PEERS.filter((k) => k === "project" || (k === "tutorial" ? stores.includes("mongo") : stores.includes("sqlite")))
    : pick(args.peers, PEERS, "--peers");
if (peers.includes("tutorial") && !stores.includes("mongo")) {
  console.error("--peers tutorial: the tutorial server stores into MongoDB; add --store mongo");
  process.exit(2);
}
/** The columns of this run: each chosen peer, the project once per chosen store. */
const contenders = CONTENDERS.filter((c) => {
  const { kind, store } = peerOf(c);
  return peers.includes(kind) && (store === undefined || kind === "tutorial" || stores.includes(store));
});
const date = new Date().toISOString().slice(0, 10);
const outFile = path.resolve(
  ROOT,
  args.out ?? (scale.quick ? path.join(".cache", "bench", `${date}-quick.md`) : path.join("bench", "results", `${date}.md`)),
);

/**
 * Runs `todo` against one peer on a fresh process (with a fresh FerretDB of its own on MongoDB).
 * One process serves every scenario (start-up is slow on a loaded machine), except on
 * MongoDB, where the fan-out gets a second one.
 */
async function runPeer(pool: LoadPool, contender: Contender, todo: readonly string[], result: PeerResult): Promise<void> {
  const { kind, store } = peerOf(contender);
  const label = PEER_LABELS[contender];
  const start = () => PeerProcess.start(kind, store ? { store } : {});
  let peer = await start();
  try {
    // Idle first, while the process is fresh: RSS does not shrink back after a load.
    if (todo.includes("idle")) {
      log(`${label}: ${scale.idle.sockets} idle sockets`);
      result.idle = await runIdleScenario(pool, peer, scale);
      log(`  heap ${perSocketKb(result.idle, "heap").toFixed(2)} KB, RSS ${perSocketKb(result.idle, "rss").toFixed(2)} KB per socket`);
    }
    if (todo.includes("load")) {
      log(`${label}: CPU per delivery and saturation in rooms of 10`);
      await runSmallRooms(pool, peer, scale, result, log);
      if (store === "mongo") {
        // The last saturation step overloads the database, which can take minutes to catch up
        // (refusing joins meanwhile): the fan-out gets a fresh process and database.
        await peer.stop();
        peer = await start();
      }
      log(`${label}: fan-out`);
      await runFanout(pool, peer, scale, result, log);
    }
    // On MongoDB the database under test is FerretDB, which pages by reading and sorting the
    // channel's every document: its history latency would measure FerretDB, not the project.
    if (todo.includes("history") && kind === "project" && store !== "mongo") {
      log(`${label}: history at ${scale.history.messages} messages`);
      result.history = await runHistoryScenario(pool, peer, scale);
      log(`  p50 ${result.history.p50.toFixed(2)} ms, p99 ${result.history.p99.toFixed(2)} ms`);
    }
  } finally {
    await peer.stop();
  }
}

installCleanup();
const started = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const report: RunReport = {
  date,
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  machine: describeMachine(),
  loadStart: loadAverage(),
  loadEnd: [],
  scale,
  results: emptyResults(),
  laterRounds: [],
  storms: [],
};

try {
  log(`${report.machine.cores} cores, ${report.machine.cpuModel}, Node ${report.machine.node}, load ${report.loadStart.map((l) => l.toFixed(2)).join(" ")}`);
  const pool = await LoadPool.start(scale.workers);
  for (let round = 1; round <= repeat; round++) {
    // Round 1 runs every scenario; later rounds only the load, each peer again on a fresh process, the peers taking turns.
    const todo = (round === 1 ? scenarios : scenarios.filter((s) => s === "load")).filter((s) => PER_PEER.includes(s));
    if (todo.length === 0) break;
    const results = round === 1 ? report.results : emptyResults();
    if (round > 1) report.laterRounds.push(results);
    if (repeat > 1) log(`round ${round} of ${repeat}`);
    // Even rounds go in the opposite order, so that no peer always runs first on a fresh machine.
    for (const c of round % 2 === 0 ? [...contenders].reverse() : contenders) await runPeer(pool, c, todo, results[c]);
  }
  if (scenarios.includes("joinstorm")) {
    for (const size of scale.storms.sizes) {
      log(`${PEER_LABELS.project}: join storm of ${size.toLocaleString("en")} clients into one room (fresh process)`);
      const storm = await runJoinStorm(pool, size, scale);
      report.storms.push(storm);
      log(`  ${describeStorm(storm)}`);
    }
  }
  if (scenarios.includes("rooms")) {
    const r = scale.roomsOverRedis;
    log(`${PEER_LABELS.project}: \`rooms\` with ${r.rooms.toLocaleString("en")} rooms on two nodes over Redis (${benchRedisUrl()})`);
    // Without a Redis the scenario cannot run; the run goes on and the results say so.
    const problem = await redisProblem();
    if (problem === undefined) {
      report.roomsOverRedis = await runRoomsOverRedis(pool, scale);
      log(`  ${describeRooms(report.roomsOverRedis)}`);
    } else {
      report.roomsSkipped = `no Redis at ${benchRedisUrl()} (${problem}); set BENCH_REDIS_URL`;
      log(`  skipped: ${report.roomsSkipped}`);
    }
  }
  await pool.stop();
} catch (err) {
  console.error(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  killAllChildren();
  process.exit(1);
}

report.loadEnd = loadAverage();
console.log(`\n${textTable(report)}\n`);
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, markdown(report));
log(`results written to ${path.relative(ROOT, outFile)}`);
process.exit(0);
