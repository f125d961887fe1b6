/** Runs an integration suite once per store: `describe.each(STORES)("… on the %s", (_, storeEnv) => …)`. */
import { freshDatabaseUri } from "./mongo.js";

export const STORES: [string, () => Record<string, string>][] = [
  ["in-memory store", () => ({})],
  ["MongoDB store (FerretDB)", () => ({ MONGODB_URI: freshDatabaseUri() })],
];
