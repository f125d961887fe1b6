/**
 * Fan-out benchmark: N clients in R rooms, a steady total send rate, every
 * message persisted by the server before it fans out. Measures send→delivered
 * latency at every receiver, ack latency, and counts lost deliveries.
 *
 *   npm run bench                        # in-memory store
 *   MONGODB_URI=mongodb://… npm run bench  # MongoDB (a real one: FerretDB is no speed reference)
 *
 * Tunables: BENCH_CLIENTS (1000), BENCH_ROOMS (10), BENCH_RATE msg/s in total (500),
 * BENCH_SECONDS (20). The server runs as its own process (bin/www.ts) on loopback.
 */
import { performance } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { spawnServer } from "../test/helpers/process.js";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const ROOMS = Number(process.env.BENCH_ROOMS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

type Ackable = Socket & { emitWithAck(event: string, ...args: unknown[]): Promise<{ ok: boolean }> };

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
const summary = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return `p50 ${f(percentile(s, 0.5))} ms, p95 ${f(percentile(s, 0.95))} ms, p99 ${f(percentile(s, 0.99))} ms, max ${f(s.at(-1) ?? NaN)} ms`;
};

const server = await spawnServer({
  LOG_LEVEL: "warn",
  MAX_CONNECTIONS_PER_IP: String(CLIENTS * 2),
  RATE_LIMIT_BURST: "10000",
  RATE_LIMIT_PER_SECOND: "10000",
  ...(process.env.MONGODB_URI ? { MONGODB_URI: process.env.MONGODB_URI } : {}),
});
console.log(`server: ${server.url} (${process.env.MONGODB_URI ? "MongoDB" : "in-memory store"})`);

const latencies: number[] = [];
let delivered = 0;
const clients: Ackable[] = [];
for (let i = 0; i < CLIENTS; i += 50) {
  clients.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(50, CLIENTS - i) }, async (_, j) => {
        const socket = io(server.url, { auth: { name: `b${i + j}` }, transports: ["websocket"], forceNew: true }) as Ackable;
        await new Promise((r) => socket.once("session", r));
        await socket.emitWithAck("join", `bench${(i + j) % ROOMS}`);
        socket.on("message", (m: { text: string }) => {
          delivered++;
          latencies.push(performance.now() - Number(m.text.split(" ")[0]));
        });
        return socket;
      }),
    )),
  );
}
console.log(`${clients.length} clients in ${ROOMS} rooms; sending ${RATE} msg/s for ${SECONDS} s`);

const acks: number[] = [];
let sent = 0;
let failed = 0;
const pending: Promise<void>[] = [];
const start = performance.now();
while (performance.now() - start < SECONDS * 1000) {
  const due = Math.floor(((performance.now() - start) / 1000) * RATE);
  for (; sent < due; sent++) {
    const sender = clients[sent % clients.length]!;
    const t = performance.now();
    pending.push(
      sender.emitWithAck("message", { room: `bench${(sent % clients.length) % ROOMS}`, text: `${t} bench` }).then((res) => {
        if (res.ok) acks.push(performance.now() - t);
        else failed++;
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 2));
}
await Promise.all(pending);
await new Promise((r) => setTimeout(r, 1000));

const perRoom = CLIENTS / ROOMS;
const expected = acks.length * perRoom;
console.log(`sent ${sent}, acked ${acks.length}, refused ${failed}`);
console.log(`ack (stored):       ${summary(acks)}`);
console.log(`send → delivered:   ${summary(latencies)}`);
console.log(`deliveries ${delivered} of ${expected} expected, lost ${expected - delivered}`);

for (const c of clients) c.disconnect();
server.kill("SIGTERM");
await server.exited;
process.exit(0);
