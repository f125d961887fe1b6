import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../server/paths.js";
import type { ChatMessage, TypingNotice } from "../../server/protocol.js";
import { call, collectMessages, connectClient, flush, ok } from "../helpers/client.js";
import { spawnServer } from "../helpers/process.js";
import { startServer } from "../helpers/server.js";
import { useServer } from "../helpers/use-server.js";

const p95 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.95)]!;

describe("abuse", () => {
  const env = useServer();

  it("when one client floods from its own process, then another client's round trips stay fast", async () => {
    const proc = await spawnServer({ LOG_LEVEL: "warn" });
    const flooder = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "test/helpers/flooder.ts"), proc.url, "chat"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      // Five calm people, so that no one of them exceeds their own `rooms` rate limit.
      const calm = await Promise.all([0, 1, 2, 3, 4].map((i) => connectClient(proc.url, { name: `calm${i}` })));
      const roundTrips = async (n: number) => {
        const samples: number[] = [];
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          await ok(calm[i % calm.length]!.socket, "rooms");
          samples.push(performance.now() - t);
        }
        return samples;
      };
      const baseline = p95(await roundTrips(50));
      await new Promise<void>((resolve) => flooder.stdout!.once("data", () => resolve()));
      await new Promise((r) => setTimeout(r, 300));
      const underFlood = p95(await roundTrips(50));
      process.stdout.write(`round trip p95: ${baseline.toFixed(1)} ms alone, ${underFlood.toFixed(1)} ms beside a flooder\n`);
      // Loopback round trips take about a millisecond; "noticeably slower" would be tens.
      expect(underFlood).toBeLessThan(baseline + 25);
    } finally {
      flooder.kill("SIGKILL");
      proc.kill("SIGKILL");
    }
  });

  it("when one address makes new identities to escape the per-user limit, then its address bucket stops it", async () => {
    const limited = await startServer({
      env: { RATE_LIMIT_BURST: "5", RATE_LIMIT_PER_SECOND: "1", RATE_LIMIT_PER_IP_FACTOR: "2" },
    });
    try {
      const sockets = await Promise.all([0, 1, 2, 3].map((i) => connectClient(limited.url, { name: `sybil${i}` })));
      const results = (await Promise.all(
        sockets.flatMap((c) => Array.from({ length: 5 }, (_, i) => call(c.socket, "broadcast", { text: `x${i}` }))),
      )) as { ok: boolean; error?: { code: string } }[];
      // Each identity may send 5, but the address only 10 in all.
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      expect(results.filter((r) => r.error?.code === "RATE_LIMITED")).toHaveLength(10);
    } finally {
      await limited.close();
    }
  });

  it("when behind a trusted proxy, then each forwarded address has its own bucket for as long as its connections last", async () => {
    const proxied = await startServer({
      env: { TRUST_PROXY: "true", RATE_LIMIT_BURST: "5", RATE_LIMIT_PER_SECOND: "1", RATE_LIMIT_PER_IP_FACTOR: "1" },
    });
    try {
      // Long-polling first, as browsers connect: the request that opened each connection is let go once counted.
      const from = (address: string, name: string) =>
        connectClient(proxied.url, { name }, { transports: ["polling"], extraHeaders: { "X-Forwarded-For": address } });
      const [a1, a2, b1] = await Promise.all([from("203.0.113.1", "a1"), from("203.0.113.1", "a2"), from("203.0.113.2", "b1")]);
      for (let i = 0; i < 5; i++) await ok(a1.socket, "broadcast", { text: `a1 ${i}` });
      // a2's own bucket is full, but its address has spent the 5 it may; b1's address has not.
      expect(await call(a2.socket, "broadcast", { text: "a2" })).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
      expect(await call(b1.socket, "broadcast", { text: "b1" })).toMatchObject({ ok: true });
    } finally {
      await proxied.close();
    }
  });

  it("when someone joins a room named after another socket's id, then that socket is neither moved nor reached", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    const bobGot = collectMessages(bob.socket);
    const bobRoomsBefore = [...env.server.chat.io.sockets.sockets.get(bob.socket.id!)!.rooms].sort();

    await ok(alice.socket, "join", bob.socket.id);
    await ok(alice.socket, "message", { room: bob.socket.id, text: "do you hear me?" });
    await ok(alice.socket, "leave", bob.socket.id);
    await flush(bob.socket);
    expect([...env.server.chat.io.sockets.sockets.get(bob.socket.id!)!.rooms].sort()).toEqual(bobRoomsBefore);
    expect(bobGot).toEqual([] as ChatMessage[]);
  });

  it("when someone floods typing events, then the room hears at most the bucket's worth", async () => {
    const alice = await connectClient(env.server.url, { name: "alice" });
    const bob = await connectClient(env.server.url, { name: "bob" });
    await ok(alice.socket, "join", "typing-flood");
    await ok(bob.socket, "join", "typing-flood");
    const heard: TypingNotice[] = [];
    bob.socket.on("typing", (n) => heard.push(n));
    for (let i = 0; i < 300; i++) alice.socket.emit("typing", { room: "typing-flood", typing: i % 2 === 0 });
    await flush(alice.socket);
    await flush(bob.socket);
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThanOrEqual(25);
  });
});
