/**
 * CPU profile of a benchmark peer under load (100 rooms of 10 unless told):
 * runs the peer (this project unless `--peer relay|ws|tutorial`) under
 * `node --cpu-prof` at one rate and prints where its CPU time went per message,
 * by area of work (bench/lib/profile-areas.ts), then the functions with the most self time.
 * `--store mongo` runs the project on a FerretDB of its own (the tutorial server always is).
 *
 *   npm run bench:profile -- --rate 1500 --seconds 10 [--top 30] [--peer relay] [--store mongo] [--rooms 10 --per-room 100]
 *
 * The profile stays in .cache/bench/profiles/ for Chrome DevTools or speedscope.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../server/paths.js";
import { installCleanup, killAllChildren } from "./lib/children.js";
import { selfTimes, windowFits, type CpuProfile } from "./lib/cpu-profile.js";
import { nowMicros } from "./lib/histogram.js";
import { timeByArea } from "./lib/profile-areas.js";
import { LoadPool } from "./lib/load-pool.js";
import { PEERS, PeerProcess, STORES, type PeerKind, type Store } from "./lib/peer-process.js";
import { threadCpuMs } from "./lib/proc-stat.js";
import { describePhase, measurePhase } from "./lib/scenarios.js";

const { values: args } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    rooms: { type: "string", default: "100" },
    "per-room": { type: "string", default: "10" },
    top: { type: "string", default: "30" },
    peer: { type: "string", default: "project" },
    store: { type: "string", default: "sqlite" },
  },
});
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const rooms = Number(args.rooms);
const top = Number(args.top);
const perRoom = Number(args["per-room"]);
if (![rate, seconds, rooms, perRoom, top].every((n) => Number.isFinite(n) && n > 0)) throw new Error("--rate, --seconds, --rooms, --per-room and --top take positive numbers");
const isPeer = (name: string): name is PeerKind => (PEERS as readonly string[]).includes(name);
if (!isPeer(args.peer)) throw new Error(`--peer is one of ${PEERS.join(", ")}`);
const kind = args.peer;
const isStore = (name: string): name is Store => (STORES as readonly string[]).includes(name);
if (!isStore(args.store)) throw new Error(`--store is one of ${STORES.join(", ")}`);
const store = args.store;

installCleanup();
const dir = path.join(ROOT, ".cache", "bench", "profiles", new Date().toISOString().replace(/[:.]/g, "-"));
mkdirSync(dir, { recursive: true });

try {
  const pool = await LoadPool.start(2);
  const peer = await PeerProcess.start(kind, { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`], store });
  await pool.connect(kind, peer.url, rooms * perRoom, rooms, "p");
  await measurePhase(pool, peer, rate, 2, perRoom);
  const window = { fromUs: nowMicros(), toUs: 0 };
  const threadsBefore = threadCpuMs(peer.pid);
  const phase = await measurePhase(pool, peer, rate, seconds, perRoom);
  const threadsAfter = threadCpuMs(peer.pid);
  window.toUs = nowMicros();
  console.log(`${rooms} rooms × ${perRoom} at ${rate} msg/s for ${seconds} s: ${describePhase(phase)}`);
  await pool.close();
  await peer.stop();
  await pool.stop();

  // One file per thread (the module loader has its own); the server's main thread is the biggest.
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const main = files.map((f) => path.join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!main) throw new Error(`no profile was written to ${dir}`);
  const profile = JSON.parse(readFileSync(main, "utf8")) as CpuProfile;
  // Both clocks are the machine's monotonic clock, so only the measured phase is counted.
  const fits = windowFits(profile, window);
  const { busyMs, idleMs, entries } = selfTimes(profile, ROOT, fits ? window : undefined);
  console.log(
    `\nprofile ${path.relative(ROOT, main)}: busy ${(busyMs / 1000).toFixed(1)} s, idle ${(idleMs / 1000).toFixed(1)} s ` +
      (fits ? "(the measured phase only)\n" : "(the whole run: start-up, connecting and warm-up included)\n"),
  );
  // Per message sent in the measured phase (each reached perRoom sockets).
  const perMessage = (ms: number) => ((ms * 1000) / phase.sent).toFixed(1).padStart(7);
  console.log(`by area, per message sent (${phase.sent} messages, ${perRoom} deliveries each; the database's own process not included):`);
  console.log("     ms  share   µs/msg  area");
  for (const area of timeByArea(profile, fits ? window : undefined)) {
    console.log(`${area.ms.toFixed(0).padStart(7)}  ${((area.ms / busyMs) * 100).toFixed(1).padStart(4)} %  ${perMessage(area.ms)}  ${area.name}`);
  }
  console.log(`${busyMs.toFixed(0).padStart(7)}  100.0 %  ${perMessage(busyMs)}  in all\n`);
  // The profile samples the main thread's JavaScript; reading sockets, waiting in epoll and other threads are not in it.
  console.log("CPU time of the server's threads in the measured phase, from /proc (the profiler's own thread included):");
  for (const [name, ms] of [...threadsAfter].map(([n, ms]) => [n, ms - (threadsBefore.get(n) ?? 0)] as const).filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1])) {
    console.log(`${ms.toFixed(0).padStart(7)} ms  ${perMessage(ms)} µs/msg  ${name}`);
  }
  console.log("");
  console.log("self ms   share  function  (where)");
  for (const e of entries.slice(0, top)) {
    console.log(`${e.ms.toFixed(0).padStart(7)}  ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.name}  ${e.where}`);
  }
  process.exit(0);
} catch (err) {
  console.error(`profile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  killAllChildren();
  process.exit(1);
}
