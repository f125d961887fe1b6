/**
 * The WAL checkpointer's thread (see sqlite-checkpointer.ts): its own
 * connection to the database file, which every `intervalMs` copies the WAL's
 * committed pages back into the file and syncs it — work that would otherwise
 * stall the server's event loop inside whichever commit crossed the WAL's
 * threshold. PASSIVE: it never waits for, nor blocks, the server's readers and
 * writer, so a checkpoint may leave pages a reader still needs for the next one.
 */
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

export type CheckpointWorkerData = { file: string; intervalMs: number };
/** One checkpoint that found pages to copy: WAL pages, how many are now in the file, its duration. */
export type CheckpointReport = { walPages: number; copied: number; ms: number };

const { file, intervalMs } = workerData as CheckpointWorkerData;
const db = new DatabaseSync(file);
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");

const timer = setInterval(() => {
  const start = performance.now();
  const row = checkpoint.get();
  const walPages = Number(row?.log ?? 0);
  const copied = Number(row?.checkpointed ?? 0);
  if (walPages > 0) parentPort?.postMessage({ walPages, copied, ms: performance.now() - start } satisfies CheckpointReport);
}, intervalMs);

parentPort?.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
