/**
 * Chaos: 200 clients in 10 rooms send continuously with retries while the
 * server is SIGKILLed and restarted twice and the database is stopped for
 * 5 s. At the end every attempted message must be acked and stored exactly
 * once, and every client's view of its room must equal the stored sequence.
 *
 * Runs with `npm run test:chaos` (not part of `npm test`). Always uses its
 * own FerretDB, because it has to stop and restart the database.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../server/protocol.js";
import { connectClient, readAllHistory } from "../helpers/client.js";
import { databaseUri, startFerretDB, type FerretDB } from "../helpers/ferretdb.js";
import { spawnServer, type ServerProcess } from "../helpers/process.js";
import { allDrained, pumpClient, type PumpClient } from "../helpers/pump-client.js";

const CLIENTS = Number(process.env.CHAOS_CLIENTS ?? 200);
const ROOMS = 10;
const SEND_EVERY_MS = Number(process.env.CHAOS_SEND_EVERY_MS ?? 5000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${line}\n`);

describe("chaos", () => {
  let ferret: FerretDB | undefined;
  let server: ServerProcess | undefined;
  const clients: PumpClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.close();
    server?.kill("SIGKILL");
    await ferret?.destroy();
  });

  it("when the server is killed twice and the database stops for 5 s under load, then nothing is lost, doubled or out of order", async () => {
    ferret = await startFerretDB();
    const env = {
      MONGODB_URI: databaseUri(ferret.uri, "chaos"),
      LOG_LEVEL: "warn",
      RATE_LIMIT_BURST: "1000",
      RATE_LIMIT_PER_SECOND: "1000",
      MAX_CONNECTIONS_PER_IP: "10000",
      // FerretDB answers a history page in ~100 ms (no index use): keep its queue short.
      STORE_MAX_CONCURRENCY: "8",
      STORE_MAX_WAIT_MS: "3000",
    };
    server = await spawnServer(env);
    const { port, url } = server;
    const restart = async (what: string) => {
      log(`SIGKILL server (${what})`);
      server!.kill("SIGKILL");
      await server!.exited;
      server = await spawnServer(env, port);
      log("server restarted");
    };

    for (let i = 0; i < CLIENTS; i += 20) {
      clients.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, CLIENTS - i) }, (_, j) => pumpClient(url, `u${i + j}`, `room${(i + j) % ROOMS}`)),
        )),
      );
    }
    log(`${clients.length} clients connected in ${ROOMS} rooms`);

    let sending = true;
    const senders = clients.map(async (c, i) => {
      await sleep((i * SEND_EVERY_MS) / clients.length);
      let n = 0;
      while (sending) {
        c.send(`${c.name} #${n++}`);
        await sleep(SEND_EVERY_MS * (0.5 + Math.random()));
      }
    });

    await sleep(6000);
    await restart("first");
    await sleep(5000);
    log("stopping the database for 5 s");
    await ferret.stop();
    await sleep(5000);
    await ferret.restart();
    log("database back");
    await sleep(6000);
    await restart("second");
    await sleep(6000);
    sending = false;
    await Promise.all(senders);
    log("sending stopped; waiting for every outbox to drain");
    try {
      await allDrained(clients, 120_000);
    } catch (err) {
      const probe = await connectClient(url, { name: "probe" });
      const t0 = Date.now();
      const res = await probe.socket.timeout(20_000).emitWithAck("join", "room0").catch((e: unknown) => String(e));
      log(`probe join took ${Date.now() - t0} ms: ${JSON.stringify(res).slice(0, 200)}`);
      log(`readyz: ${(await fetch(`${url}/readyz`)).status}`);
      log(`server output tail:\n${server.output().slice(-3000)}`);
      throw err;
    }
    await sleep(2000);

    // What the database holds, room by room.
    const reader = await connectClient(url, { name: "reader" });
    const stored = new Map<string, ChatMessage[]>();
    for (let r = 0; r < ROOMS; r++) stored.set(`room${r}`, await readAllHistory(reader.socket, `room${r}`));
    reader.socket.disconnect();

    const attempted = clients.reduce((n, c) => n + c.attempted.length, 0);
    const acked = clients.reduce((n, c) => n + c.acked.size, 0);
    const failed = clients.flatMap((c) => c.failed);
    const storedAll = [...stored.values()].flat();
    const uniqueKeys = new Set(storedAll.map((m) => `${m.from.userId}/${m.clientId}`));
    const duplicates = storedAll.length - uniqueKeys.size;
    const attemptedKeys = new Set(clients.flatMap((c) => c.attempted));
    const missing = [...attemptedKeys].filter((k) => !storedAll.some((m) => m.clientId === k)).length;
    let gaps = 0;
    let extra = 0;
    for (const c of clients) {
      const room = [...stored.values()].find((list) => list.some((m) => m.from.name === c.name)) ?? [];
      const roomName = room[0]?.room;
      const expected = (roomName ? stored.get(roomName) : []) ?? [];
      const seen = new Set(c.view.keys());
      gaps += expected.filter((m) => !seen.has(m.id)).length;
      extra += [...seen].filter((id) => !expected.some((m) => m.id === id)).length;
    }
    log(
      `attempted ${attempted}, acked ${acked}, stored ${storedAll.length}, duplicates ${duplicates}, ` +
        `missing ${missing}, refused ${failed.length} (${[...new Set(failed.map((f) => f.code))].join(",")}), ` +
        `gaps ${gaps}, unexpected ${extra}`,
    );

    expect(attempted).toBeGreaterThan(CLIENTS * 5);
    expect(failed).toEqual([]);
    expect(acked).toBe(attempted);
    expect(duplicates).toBe(0);
    expect(missing).toBe(0);
    expect(storedAll.length).toBe(attempted);
    expect(gaps).toBe(0);
    expect(extra).toBe(0);
    for (const c of clients) {
      for (const [clientId, message] of c.acked) expect(message.clientId).toBe(clientId);
    }
  }, 300_000);
});
