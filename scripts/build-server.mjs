// Builds the server into dist/ (`npm run build:server`) only when dist/bin/www.js is
// missing or older than a file under server/ or bin/ (or a tsconfig). Used by the tests
// and the benchmark, which run the built `node dist/bin/www.js`, the code that ships.
// Safe when several processes run it at once (vitest's global setups and workers, a
// benchmark): one builds while holding .cache/build-server.lock, the others wait and then
// find dist/ fresh. Prints nothing when there is nothing to do.
//
//   node scripts/build-server.mjs            build if stale; exit 1 if the build fails
//   node scripts/build-server.mjs --check    exit 0 if fresh, 1 if stale; build nothing
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const entry = path.join(root, "dist", "bin", "www.js");
const sources = ["server", "bin", "tsconfig.json", "tsconfig.build.json"].map((p) => path.join(root, p));
const lock = path.join(root, ".cache", "build-server.lock");
const GIVE_UP_MS = 5 * 60_000;

/** Newest modification time of any file under `p` (0 when it does not exist). */
function newestMtime(p) {
  const stat = statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

function isStale() {
  const built = statSync(entry, { throwIfNoEntry: false });
  return !built || built.mtimeMs < Math.max(...sources.map(newestMtime));
}

/** A lock whose holder has died, or that is older than any build takes. */
function lockIsAbandoned() {
  const stat = statSync(lock, { throwIfNoEntry: false });
  if (!stat) return false;
  const age = Date.now() - stat.mtimeMs;
  if (age > GIVE_UP_MS) return true;
  let pid = 0;
  try {
    pid = Number(readFileSync(path.join(lock, "pid"), "utf8"));
  } catch {
    // not written yet, or the lock is gone already
  }
  if (!pid) return age > 30_000;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === "ESRCH";
  }
}

if (process.argv.includes("--check")) process.exit(isStale() ? 1 : 0);

mkdirSync(path.dirname(lock), { recursive: true });
const waitStart = Date.now();
for (;;) {
  try {
    mkdirSync(lock); // atomic: exactly one process gets it
    break;
  } catch (err) {
    if (err.code !== "EEXIST") throw err;
  }
  if (lockIsAbandoned()) {
    rmSync(lock, { recursive: true, force: true });
    continue;
  }
  if (Date.now() - waitStart > GIVE_UP_MS) {
    console.error(`build-server: waited 5 minutes for another build of dist/ (remove ${lock} if none is running)`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

let status = 0;
try {
  writeFileSync(path.join(lock, "pid"), String(process.pid));
  if (isStale()) {
    const start = Date.now();
    console.log("build-server: dist/ is missing or older than the sources, running npm run build:server");
    // tsc runs on the node running this script; npm stays the machine's.
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
    const result = spawnSync("npm", ["run", "--silent", "build:server"], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
    if (result.status === 0) {
      console.log(`build-server: built dist/ in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    } else {
      // tsc writes its output even when it reports errors: drop the entry point so that
      // nothing runs a half-right build and the next call tries again.
      rmSync(entry, { force: true });
      console.error(`build-server: npm run build:server failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
      status = 1;
    }
  }
} finally {
  rmSync(lock, { recursive: true, force: true });
}
process.exit(status);
