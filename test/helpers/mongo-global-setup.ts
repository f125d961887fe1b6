/**
 * Provides `mongoUri` to the integration tests: MONGODB_URI when set,
 * otherwise a FerretDB started for this run. Mongo-backed tests never skip.
 */
import type { TestProject } from "vitest/node";
import { startFerretDB } from "./ferretdb.js";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.MONGODB_URI;
  if (given) {
    project.provide("mongoUri", given);
    return undefined;
  }
  const ferret = await startFerretDB();
  project.provide("mongoUri", ferret.uri);
  return () => ferret.destroy();
}
