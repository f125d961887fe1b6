/**
 * Every process the benchmark starts goes through here, so that all of them
 * are killed when the run ends — normally, on an error, or on SIGINT/SIGTERM.
 * Children also exit by themselves when their IPC channel to us closes.
 *
 * Children are TypeScript files run through tsx, but the server code they
 * import is the built one: a resolve hook sends every import of server/*.ts
 * to dist/server/*.js, what `npm start` and the Docker image run. dist/ is
 * rebuilt first when it is older than the sources (scripts/build-server.mjs).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../../server/paths.js";

const live = new Set<ChildProcess>();

// Raise the soft open-files limit to the hard one before exec'ing node:
// 10,000 sockets need 10,000 descriptors in the server and spread over the workers.
const RAISE_NOFILE = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';

export type NodeChild = {
  proc: ChildProcess;
  pid: number;
  /** The last few kilobytes it printed, for error messages. */
  output(): string;
};

/** Module hooks (registered after tsx's, so they run first): server/X.ts resolves to dist/server/X.js. */
const SERVER_FROM_DIST = (() => {
  const from = `${pathToFileURL(path.join(ROOT, "server")).href}/`;
  const to = `${pathToFileURL(path.join(ROOT, "dist", "server")).href}/`;
  const hooks = `export async function resolve(specifier, context, next) {
    const r = await next(specifier, context);
    if (!r.url.startsWith(${JSON.stringify(from)}) || !r.url.endsWith(".ts")) return r;
    return { ...r, url: ${JSON.stringify(to)} + r.url.slice(${from.length}, -3) + ".js", format: "module" };
  }`;
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
})();

let built = false;
/** Builds dist/ once per run if it is missing or older than the sources. */
function ensureServerBuilt(): void {
  if (built) return;
  const result = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build-server.mjs")], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) throw new Error("the benchmark runs the built server, and `npm run build:server` failed");
  built = true;
}

/** Starts a TypeScript file under node (through tsx, server code from dist/) with an IPC channel to this process. */
export function startNodeChild(
  script: string,
  opts: { nodeArgs?: string[]; env?: Record<string, string | undefined> } = {},
): NodeChild {
  ensureServerBuilt();
  const node = [process.execPath, "--import", "tsx", "--import", SERVER_FROM_DIST];
  const proc = spawn(
    "/bin/sh",
    ["-c", RAISE_NOFILE, "sh", ...node, ...(opts.nodeArgs ?? []), path.resolve(ROOT, script)],
    { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe", "ipc"] },
  );
  if (proc.pid === undefined) throw new Error(`could not start ${script}`);
  track(proc);
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-4000);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  return { proc, pid: proc.pid, output: () => out };
}

/** Kills `proc` with the others when the run ends (for children not started by startNodeChild). */
export function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once("exit", () => live.delete(proc));
}

/** Resolves once the child has exited; SIGKILLs it if it takes longer than `ms`. */
export function exitWithin(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), ms);
    proc.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Kills every child still running. Synchronous, so it also works in an `exit` handler. */
export function killAllChildren(): void {
  for (const proc of live) proc.kill("SIGKILL");
  live.clear();
}

/** Makes sure no child outlives this process, however it ends. */
export function installCleanup(): void {
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the benchmark`);
      killAllChildren();
      process.exit(130);
    });
  }
}
