/**
 * Runs the real server entry point (bin/www.ts) as a child process, so tests
 * can send it SIGTERM or SIGKILL and start it again on the same port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { ROOT } from "../../server/paths.js";

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
  const listenPort = port ?? (await freePort());
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bin", "www.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
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
