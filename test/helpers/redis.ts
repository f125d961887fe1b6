/** Redis for tests: REDIS_URL (default the local 127.0.0.1:6379), or a private redis-server to stop and start. */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import { createClient } from "redis";
import { freePort } from "./process.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A key prefix no other test run uses. */
export const uniquePrefix = () => `chat-test-${randomBytes(4).toString("hex")}`;

export type PrivateRedis = { url: string; stop(): Promise<void>; start(): Promise<void> };

/** Starts its own redis-server (no persistence) on a free port, so a test can stop it. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const binary = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";
  if (!existsSync(binary)) {
    throw new Error(`redis-server not found at ${binary}: apt-get install -y redis-server, or set REDIS_SERVER`);
  }
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => {
          s.destroy();
          resolve(true);
        });
        s.on("error", () => resolve(false));
      });
      if (up) return;
      if (i > 100) throw new Error("redis-server did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}

/** Deletes every key a test run made under `prefix` (the adapter's streams outlive the nodes). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) keys.push(...batch);
    if (keys.length) await client.del(keys);
  } finally {
    client.destroy();
  }
}
