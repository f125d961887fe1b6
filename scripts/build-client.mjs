// Bundles the browser code (public/src) into public/js with esbuild.
import { build } from "esbuild";

await build({
  entryPoints: ["public/src/main.ts"],
  outdir: "public/js",
  bundle: true,
  format: "iife",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
});
