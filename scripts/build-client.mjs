// Bundles the browser code (public/src) and the app's stylesheet (public/css/chat.css) into public/js
// with esbuild: main (the page), theme (loaded in <head> to pick the colour theme before the first
// paint) and chat (the stylesheet). Each file's name carries a hash of its content
// (main-ABCD1234.js), so the server can let browsers cache it for a year; manifest.json, written
// next to them, maps each entry's name to its file ({"main.js": "main-ABCD1234.js", ...}) and is
// read once by the server at start-up (server/assets.ts). The directory is emptied first so files
// of earlier builds do not linger.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const OUT_DIR = "public/js";

rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });

const result = await build({
  entryPoints: { main: "public/src/main.ts", theme: "public/src/theme.ts", chat: "public/css/chat.css" },
  outdir: OUT_DIR,
  entryNames: "[name]-[hash]",
  bundle: true,
  format: "iife",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
});

const manifest = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!output.entryPoint) continue;
  const name = path.basename(file);
  manifest[name.replace(/-[A-Z0-9]+(\.\w+)$/, "$1")] = name;
}
writeFileSync(path.join(OUT_DIR, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
