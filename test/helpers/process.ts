/**
 * Runs the server as it ships — the built `node dist/bin/www.js`, not the
 * TypeScript sources — as a child process, so tests can send it SIGTERM or
 * SIGKILL and start it again on the same port. The build is refreshed first
 * when it is missing or older than a source file (see ensureServerBuilt).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { ROOT } from "../../server/paths.js";

/** The built entry point that `npm start` and the Docker image run. */
export const SERVER_ENTRY = path.join(ROOT, "dist", "bin", "www.js");

/**
 * Runs `npm run build:server` when dist/bin/www.js is missing or older than
 * a file under server/ or bin/ (scripts/build-server.mjs decides). Safe when
 * several workers call it at once: one builds, the others wait and find dist/
 * fresh. Throws with the compiler's output when the build fails.
 */
export function ensureServerBuilt(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "scripts", "build-server.mjs")],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`the tests run the built server, and building it failed:\n${stdout}${stderr}`));
          return;
        }
        if (stdout || stderr) process.stderr.write(`${stdout}${stderr}`);
        resolve();
      },
    );
  });
}

export type ServerProcess = {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
};

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function spawnServer(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  await ensureServerBuilt();
  const listenPort = port ?? (await freePort());
  const proc = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      // Without MONGODB_URI: SQLite in memory, never ./data (a test that restarts onto the same file passes its own DATA_DIR).
      DATA_DIR: ":memory:",
      SESSION_SECRET: "test-secret-that-is-at-least-32-characters",
      // Every test client comes from 127.0.0.1: per-address limits are tested on their own.
      RATE_LIMIT_PER_IP_FACTOR: "100000",
      ...env,
      PORT: String(listenPort),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const url = `http://127.0.0.1:${listenPort}`;
  let exitCode: number | string | undefined;
  void exited.then((code) => (exitCode = code));
  const start = Date.now();
  for (;;) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before listening:\n${out}`);
    if (Date.now() - start > 20_000) throw new Error(`server did not start within 20 s:\n${out}`);
    const healthy = await fetch(`${url}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (healthy) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port: listenPort,
    proc,
    output: () => out,
    exited,
    kill: (signal) => void proc.kill(signal),
  };
}
