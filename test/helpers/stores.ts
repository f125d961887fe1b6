/** Runs an integration suite once per store: `describe.each(STORES)("… on the %s", (_, storeEnv) => …)`. */
import { freshDatabaseUri } from "./mongo.js";
import { tempDataDir } from "./storage.js";

export const STORES: [string, () => Record<string, string>][] = [
  ["SQLite store", () => ({ DATA_DIR: ":memory:" })],
  ["MongoDB store (FerretDB)", () => ({ MONGODB_URI: freshDatabaseUri() })],
];

/** Stores that outlive the server process: a server started again with the same environment finds everything. */
export const PERSISTENT_STORES: [string, () => Record<string, string>][] = [
  ["SQLite store (a file)", () => ({ DATA_DIR: tempDataDir() })],
  ["MongoDB store (FerretDB)", () => ({ MONGODB_URI: freshDatabaseUri() })],
];
