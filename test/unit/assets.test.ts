/** The built browser files the page links to, and what the server says when they are missing. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BundleMissingError, loadAssetUrls } from "../../server/assets.js";

describe("the browser bundle's manifest", () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(path.join(tmpdir(), "bundle-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("when the bundle was never built, then the error says so and what to run (a BundleMissingError, which the server prints as one line)", () => {
    const empty = dir();
    expect(() => loadAssetUrls(empty)).toThrow(BundleMissingError);
    expect(() => loadAssetUrls(empty)).toThrow(/browser bundle is missing.*npm run build:client/);
  });

  it("when the manifest lacks a file or names one outside its folder, then it is refused the same way", () => {
    const partial = dir();
    writeFileSync(path.join(partial, "manifest.json"), JSON.stringify({ "main.js": "main-abc123.js" }));
    expect(() => loadAssetUrls(partial)).toThrow(BundleMissingError);
    const escaping = dir();
    writeFileSync(path.join(escaping, "manifest.json"), JSON.stringify({ "main.js": "../../etc/passwd", "theme.js": "t.js", "chat.css": "c.css" }));
    expect(() => loadAssetUrls(escaping)).toThrow(BundleMissingError);
  });

  it("when the manifest names every file, then their URLs are under /js/ and Bootstrap's under its versioned path", () => {
    const built = dir();
    writeFileSync(path.join(built, "manifest.json"), JSON.stringify({ "main.js": "main-abc123.js", "theme.js": "theme-def456.js", "chat.css": "chat-0a1b2c.css" }));
    const urls = loadAssetUrls(built);
    expect(urls.mainJs).toBe("/js/main-abc123.js");
    expect(urls.chatCss).toBe("/js/chat-0a1b2c.css");
    expect(urls.bootstrapJs).toMatch(/^\/vendor\/bootstrap-\d+\.\d+\.\d+\//);
  });
});
