/**
 * Builds the server into dist/ once before the integration and chaos tests
 * when it is missing or older than the sources: their spawned servers run
 * `node dist/bin/www.js`, the code that ships (see test/helpers/process.ts).
 */
import { ensureServerBuilt } from "./process.js";

export default async function setup(): Promise<void> {
  await ensureServerBuilt();
}
