/**
 * Builds the server into dist/ once before the integration and chaos tests
 * when it is missing or older than the sources: their spawned servers run
 * `node dist/bin/www.js`, the code that ships (see test/helpers/process.ts).
 * Builds the browser bundle too when it was never built: the server reads its
 * manifest at start-up (server/assets.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { BUNDLE_DIR, ROOT } from "../../server/paths.js";
import { ensureServerBuilt } from "./process.js";

export default async function setup(): Promise<void> {
  if (!existsSync(path.join(BUNDLE_DIR, "manifest.json"))) {
    execFileSync(process.execPath, [path.join(ROOT, "scripts", "build-client.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
  await ensureServerBuilt();
}
