/** Where the project's files are, whether running from source or from dist/. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const ROOT = findRoot(import.meta.dirname);
export const VIEWS_DIR = path.join(ROOT, "views");
export const PUBLIC_DIR = path.join(ROOT, "public");
/** The built browser files (npm run build:client), served under /js. */
export const BUNDLE_DIR = path.join(PUBLIC_DIR, "js");
export const BOOTSTRAP_DIST = path.join(
  path.dirname(createRequire(import.meta.url).resolve("bootstrap/package.json")),
  "dist",
);
