/**
 * A FerretDB of its own for one benchmark peer: the binary that
 * scripts/build-tools.sh builds into .cache/bin (as the tests use it), on a
 * free loopback port, with its SQLite state in a fresh directory that is
 * deleted when it stops. Its pid is there so that its CPU time counts with
 * the server's.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../../server/paths.js";
import { exitWithin, track } from "./children.js";

const BINARY = path.join(ROOT, ".cache", "bin", "ferretdb");

export class FerretProcess {
  private constructor(
    private readonly proc: ChildProcess,
    readonly pid: number,
    /** mongodb://127.0.0.1:PORT/bench */
    readonly uri: string,
    private readonly dir: string,
  ) {}

  /** Starts a fresh FerretDB (building the binary first when it is missing) and resolves once it listens. */
  static async start(): Promise<FerretProcess> {
    if (!existsSync(BINARY)) {
      const built = spawnSync("bash", [path.join(ROOT, "scripts", "build-tools.sh"), "ferretdb"], { stdio: "inherit" });
      if (built.status !== 0) throw new Error("--store mongo needs FerretDB: scripts/build-tools.sh ferretdb failed (it needs Go)");
    }
    const dir = mkdtempSync(path.join(tmpdir(), "chat-bench-ferretdb-"));
    const proc = spawn(BINARY, ["-listen-addr", "127.0.0.1:0", "-sqlite-dir", dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (proc.pid === undefined) throw new Error(`could not start ${BINARY}`);
    track(proc);
    let out = "";
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`FerretDB did not start within 20 s:\n${out}`)), 20_000);
      const read = (chunk: Buffer) => {
        out = (out + chunk.toString()).slice(-4000);
        const match = /listening on [^:\s]+:(\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      proc.stdout!.on("data", read);
      proc.stderr!.on("data", read);
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`FerretDB exited (${code ?? signal}) before listening:\n${out}`));
      });
    }).catch((err: unknown) => {
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw err;
    });
    return new FerretProcess(proc, proc.pid, `mongodb://127.0.0.1:${port}/bench`, dir);
  }

  /** Stops it (SIGTERM, SIGKILL after 5 s) and deletes its data. */
  async stop(): Promise<void> {
    const exited = exitWithin(this.proc, 5000);
    this.proc.kill("SIGTERM");
    await exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
