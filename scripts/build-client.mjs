// Bundles the browser code (public/src) into public/js with esbuild:
// main.js (the page) and theme.js (loaded in <head> to pick the colour theme before the first paint).
import { build } from "esbuild";

await build({
  entryPoints: ["public/src/main.ts", "public/src/theme.ts"],
  outdir: "public/js",
  bundle: true,
  format: "iife",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
});
