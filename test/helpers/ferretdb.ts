/**
 * A real MongoDB-wire server for tests: FerretDB v1 on SQLite, built from
 * tools/ferretdb with the Go toolchain (scripts/build-tools.sh) and started
 * on a free port in a temporary directory.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../../server/paths.js";

const BINARY = path.join(ROOT, ".cache", "bin", "ferretdb");

export const NO_MONGO_HELP =
  "Mongo-backed tests need a MongoDB: set MONGODB_URI=mongodb://HOST:PORT to use your own, " +
  "or install Go (https://go.dev/dl, or /usr/local/go) so scripts/build-tools.sh can build FerretDB.";

/** Builds the FerretDB binary when it is missing or stale; throws with instructions when it cannot. */
export function buildFerretDB(): string {
  const result = spawnSync("bash", [path.join(ROOT, "scripts", "build-tools.sh"), "ferretdb"], { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${NO_MONGO_HELP}\nbuild-tools said:\n${result.stdout}${result.stderr}`);
  }
  return BINARY;
}

export type FerretDB = {
  /** mongodb://127.0.0.1:PORT, with no database name. */
  uri: string;
  port: number;
  /** Stops it (SIGTERM) and waits; its data stays for a restart. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
};

export async function startFerretDB(): Promise<FerretDB> {
  const binary = buildFerretDB();
  const dir = mkdtempSync(path.join(tmpdir(), "chat-ferretdb-"));
  let child: ChildProcess | undefined;

  const launch = (addr: string) =>
    new Promise<{ proc: ChildProcess; port: number }>((resolve, reject) => {
      const proc = spawn(binary, ["-listen-addr", addr, "-sqlite-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`FerretDB did not start within 20 s: ${err}`));
      }, 20_000);
      proc.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
      proc.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /ferretdb listening on [^:]+:(\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve({ proc, port: Number(match[1]) });
        }
      });
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`FerretDB exited with ${code}: ${err}`));
      });
    });

  const first = await launch("127.0.0.1:0");
  child = first.proc;
  const port = first.port;

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    const force = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(force);
  };

  return {
    uri: `mongodb://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      // The port was just released; retry briefly in case the kernel still holds it.
      for (let attempt = 0; ; attempt++) {
        try {
          child = (await launch(`127.0.0.1:${port}`)).proc;
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A MongoDB URI for a fresh database on the server at `base`. */
export function databaseUri(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
