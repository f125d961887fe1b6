/**
 * Makes sure Debian's Chromium is there before the browser tests: on a
 * Debian machine where we are root it installs it (about a minute, once);
 * anywhere else it fails with the command to run.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { CHROMIUM_PATH } from "./browser.js";

export default function setup(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get") && !process.env.CHROMIUM_PATH;
  if (!canInstall) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it with ` +
        "`apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji` or set CHROMIUM_PATH.",
    );
  }
  process.stderr.write("Chromium not found: installing Debian's chromium and its CJK and emoji fonts (apt-get)…\n");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium", "fonts-noto-cjk", "fonts-noto-color-emoji"], { stdio: "inherit", env });
}
