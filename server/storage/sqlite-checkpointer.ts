/**
 * Checkpoints a WAL database from a worker thread. A checkpoint copies the
 * WAL back into the database file and syncs it: tens of milliseconds once the
 * WAL holds thousands of pages, which SQLite otherwise spends inside the
 * commit that crosses `wal_autocheckpoint` — on the event loop, holding every
 * socket's messages for that long. The worker copies a little every
 * `intervalMs` instead, so that the commit's own checkpoint finds almost
 * nothing left to copy. That commit still syncs the file on the event loop
 * when the WAL reaches `wal_autocheckpoint`, should the WAL never be wholly
 * copied at a moment the server starts a write (SQLite starts it over only
 * then), and it does all the work should the thread stop.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "../logger.js";
import type { CheckpointReport, CheckpointWorkerData } from "./sqlite-checkpoint-worker.js";

/** The worker's module beside this one (.js when built, .ts when run from the sources). */
const WORKER = new URL(`./sqlite-checkpoint-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** How long close waits for a checkpoint in progress before ending the thread. */
const CLOSE_WAIT_MS = 5_000;

export type CheckpointStats = { runs: number; pagesCopied: number; longestMs: number };

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly stopped: Promise<void>;
  private readonly counts: CheckpointStats = { runs: 0, pagesCopied: 0, longestMs: 0 };

  constructor(file: string, intervalMs: number, logger: Logger) {
    this.worker = new Worker(WORKER, { workerData: { file, intervalMs } satisfies CheckpointWorkerData });
    // Never what keeps the process alive.
    this.worker.unref();
    let lastWarning = -Infinity;
    this.worker.on("message", (report: CheckpointReport) => {
      if ("error" in report) {
        // Once a minute at most: a checkpoint that fails fails again every tick until what blocks it goes.
        if (performance.now() - lastWarning < 60_000) return;
        lastWarning = performance.now();
        logger.warn({ err: report.error, file }, "storage: a SQLite checkpoint failed; the thread tries again");
        return;
      }
      this.counts.runs++;
      this.counts.pagesCopied += report.copied;
      this.counts.longestMs = Math.max(this.counts.longestMs, report.ms);
    });
    this.stopped = new Promise((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.on("error", (err) => {
      // The server's automatic checkpoint takes over: slower commits now and then, nothing lost.
      logger.warn({ err: err.message, file }, "storage: the SQLite checkpoint thread stopped; checkpoints run on commits");
    });
  }

  /** Ticks that copied pages since the start, the pages (about: SQLite counts per WAL), the longest tick. */
  get stats(): CheckpointStats {
    return { ...this.counts };
  }

  /** Stops the thread, its connection closed; resolves once it has exited (ended outright after CLOSE_WAIT_MS). */
  async close(): Promise<void> {
    this.worker.postMessage("close");
    const late = setTimeout(() => void this.worker.terminate(), CLOSE_WAIT_MS);
    await this.stopped;
    clearTimeout(late);
  }
}
