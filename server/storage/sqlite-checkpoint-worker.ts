/**
 * The WAL checkpointer's thread (see sqlite-checkpointer.ts): its own
 * connection to the database file, which every `intervalMs` copies the WAL's
 * committed pages back into the file and syncs it — work that would otherwise
 * stall the server's event loop inside a commit. PASSIVE: it never waits for,
 * nor blocks, the server's readers and writer; pages committed while it runs
 * are left for the next round, which starts at once while it keeps finding
 * pages to copy (up to CATCH_UP_ROUNDS), so that the WAL is wholly copied as
 * often as possible — the moment the server's next write starts it over.
 */
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

export type CheckpointWorkerData = { file: string; intervalMs: number };
/** A tick that copied pages: how many and how long it took; or why it failed. */
export type CheckpointReport = { copied: number; ms: number } | { error: string };

/** Checkpoints in a row within one tick while pages keep arriving. */
const CATCH_UP_ROUNDS = 4;

const { file, intervalMs } = workerData as CheckpointWorkerData;
const db = new DatabaseSync(file);
// The server may hold the database's locks for a moment (a schema migration, a backup): wait for them.
db.exec("PRAGMA busy_timeout = 1000");
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");

/** Frames of the current WAL copied so far (SQLite counts them per WAL, from 0 after each restart). */
let copiedInWal = 0;

function tick(): void {
  const start = performance.now();
  let copied = 0;
  try {
    for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
      const row = checkpoint.get();
      const done = Number(row?.checkpointed ?? 0);
      // Fewer frames done than before: the server started the WAL over since the last round.
      const before = done < copiedInWal ? 0 : copiedInWal;
      copied += done - before;
      copiedInWal = done;
      // Nothing new to copy, or the WAL wholly copied: the next tick goes on.
      if (done === before || done === Number(row?.log ?? 0)) break;
    }
  } catch (err) {
    // Busy or an I/O error: this tick is lost, the next one tries again.
    parentPort?.postMessage({ error: (err as Error).message } satisfies CheckpointReport);
    return;
  }
  if (copied > 0) parentPort?.postMessage({ copied, ms: performance.now() - start } satisfies CheckpointReport);
}

const timer = setInterval(tick, intervalMs);

parentPort?.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
