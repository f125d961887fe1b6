import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { databaseUri } from "./ferretdb.js";

/** A URI for a database no other test uses, on the run's MongoDB (MONGODB_URI or FerretDB). */
export function freshDatabaseUri(): string {
  return databaseUri(inject("mongoUri"), `chat_test_${randomBytes(6).toString("hex")}`);
}
