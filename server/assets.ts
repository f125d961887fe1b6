/**
 * The browser files the pages link to. The app's own bundles and stylesheet
 * are built with a content hash in their names (scripts/build-client.mjs), so
 * they are served as immutable; Bootstrap is served under a path carrying its
 * version, immutable too. The page itself is `no-cache`, so a new release's
 * names are picked up on the next load.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { BUNDLE_DIR } from "./paths.js";

/** The URLs the views use for every built or vendored asset. */
export type AssetUrls = {
  mainJs: string;
  themeJs: string;
  chatCss: string;
  bootstrapCss: string;
  bootstrapJs: string;
};

const BOOTSTRAP_VERSION = (createRequire(import.meta.url)("bootstrap/package.json") as { version: string }).version;
/** Bootstrap's dist/ is mounted here; a new Bootstrap version is a new path. */
export const BOOTSTRAP_PATH = `/vendor/bootstrap-${BOOTSTRAP_VERSION}`;

/** The browser bundle has not been built (or not completely): the server cannot serve the page. */
export class BundleMissingError extends Error {}

/**
 * Reads public/js/manifest.json (written by `npm run build:client`) once and
 * returns the URLs of the hashed files; throws saying what to run when the
 * bundle has not been built.
 */
export function loadAssetUrls(dir: string = BUNDLE_DIR): AssetUrls {
  const file = path.join(dir, "manifest.json");
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new BundleMissingError(`the browser bundle is missing or unreadable (${file}): run \`npm run build:client\` first`, { cause: err });
  }
  const url = (name: string): string => {
    const hashed = manifest[name];
    if (typeof hashed !== "string" || !/^[\w.-]+$/.test(hashed)) {
      throw new BundleMissingError(`${file} names no file for ${name}: run \`npm run build:client\` again`);
    }
    return `/js/${hashed}`;
  };
  return {
    mainJs: url("main.js"),
    themeJs: url("theme.js"),
    chatCss: url("chat.css"),
    bootstrapCss: `${BOOTSTRAP_PATH}/css/bootstrap.min.css`,
    bootstrapJs: `${BOOTSTRAP_PATH}/js/bootstrap.bundle.min.js`,
  };
}
