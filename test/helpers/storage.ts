/** Storage for tests: a fresh embedded database, and ways to make one misbehave on purpose. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { MessageStore } from "../../server/messages/message-store.js";
import { SQLITE_FILE } from "../../server/storage/create-storage.js";
import { SqliteStorage } from "../../server/storage/sqlite-storage.js";
import type { Storage } from "../../server/storage/storage.js";

/** A fresh SQLite database in memory (not yet initialised: the server, or the test, calls `init`). */
export function memoryStorage(): Storage {
  return new SqliteStorage({ path: ":memory:", logger: pino({ level: "silent" }) });
}

/** The database file the server opens in `dataDir` (not yet initialised), e.g. to prepare it before the server starts. */
export function fileStorage(dataDir: string): Storage {
  return new SqliteStorage({ path: path.join(dataDir, SQLITE_FILE), logger: pino({ level: "silent" }) });
}

const made: string[] = [];
process.once("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory for a server's DATA_DIR, removed when the test process exits. */
export function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "chat-data-"));
  made.push(dir);
  return dir;
}

/**
 * `base` with some calls replaced: `isReady`, or methods of its message
 * store. A replacement that wants the real behaviour calls `base` itself.
 *
 * @example
 * const base = memoryStorage();
 * const storage = patched(base, { messages: { page: async (q) => { await gate; return base.messages.page(q); } } });
 */
export function patched(base: Storage, patch: { isReady?: Storage["isReady"]; messages?: Partial<MessageStore> }): Storage {
  const replaced = patch.messages ?? {};
  const messages = new Proxy(base.messages, {
    get(target, prop, receiver) {
      if (Object.hasOwn(replaced, prop)) return replaced[prop as keyof MessageStore];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    kind: base.kind,
    messages,
    rooms: base.rooms,
    people: base.people,
    accounts: base.accounts,
    attachments: base.attachments,
    init: () => base.init(),
    isReady: patch.isReady ?? (() => base.isReady()),
    close: () => base.close(),
  };
}
