/**
 * A load-generator process: holds its share of the simulated clients, sends
 * its share of the rate, and records send→delivered latency of every message
 * its clients receive. Driven by bench/lib/load-pool.ts over IPC.
 */
import { Histogram, nowMicros, type SparseHistogram } from "../lib/histogram.js";
import type { PeerKind } from "../lib/peer-process.js";
import { openFilesLimit } from "../lib/proc-stat.js";
import { serveParent } from "../lib/rpc.js";
import { connectClient, type LoadClient } from "./clients.js";

export type SendReport = { sent: number; accepted: number; refused: number; seconds: number };

export type WorkerCommands = {
  limits: { args: null; result: { openFiles: number } };
  connect: {
    args: { kind: PeerKind; url: string; clients: { name: string; room?: string }[]; concurrency: number };
    result: { connected: number };
  };
  run: { args: { rate: number; seconds: number }; result: SendReport };
  delivered: { args: null; result: number };
  collect: { args: null; result: SparseHistogram };
  history: { args: { room: string; requests: number; limit: number }; result: number[] };
  close: { args: null; result: null };
};

const histogram = new Histogram();
let kind: PeerKind = "project";
let clients: LoadClient[] = [];
let acked = 0;
let refused = 0;

const hooks = {
  delivered(text: string) {
    histogram.record((nowMicros() - Number(text.slice(0, text.indexOf(" ")))) / 1000);
  },
  acked(ok: boolean) {
    if (ok) acked++;
    else refused++;
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

serveParent<WorkerCommands>({
  limits: () => ({ openFiles: openFilesLimit() }),

  async connect(args) {
    kind = args.kind;
    let next = 0;
    // A bounded number of handshakes at once, like users arriving, not a SYN flood.
    const lane = async () => {
      while (next < args.clients.length) {
        const { name, room } = args.clients[next++]!;
        clients.push(await connectClient(args.kind, args.url, name, room, hooks));
      }
    };
    const before = clients.length;
    await Promise.all(Array.from({ length: args.concurrency }, lane));
    return { connected: clients.length - before };
  },

  async run({ rate, seconds }) {
    const senders = clients.filter((c) => c.room !== undefined);
    if (senders.length === 0) throw new Error("no client has joined a room");
    acked = 0;
    refused = 0;
    let sent = 0;
    const total = Math.round(rate * seconds);
    const start = performance.now();
    // Exactly `total` sends, paced by the clock: a late timer sends what is due at once.
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) senders[sent % senders.length]!.send(`${nowMicros()} hello from the benchmark`);
      if (sent < total) await sleep(2);
    }
    const sendSeconds = (performance.now() - start) / 1000;
    if (kind === "project") {
      // Every send is answered (ok, refused, or timed out after 30 s).
      for (const deadline = Date.now() + 35_000; acked + refused < sent && Date.now() < deadline; ) await sleep(20);
    }
    return {
      sent,
      accepted: kind === "project" ? acked : sent,
      refused: kind === "project" ? sent - acked : 0,
      seconds: sendSeconds,
    };
  },

  delivered: () => histogram.count,

  collect() {
    const sparse = histogram.toSparse();
    histogram.reset();
    return sparse;
  },

  async history({ room, requests, limit }) {
    if (clients.length === 0) throw new Error("no clients connected");
    const samples: number[] = [];
    // One request at a time across the clients: the latency of a page, not of a queue.
    for (let i = 0; i < requests; i++) samples.push(await clients[i % clients.length]!.history(room, limit));
    return samples;
  },

  close() {
    for (const c of clients) c.close();
    clients = [];
    return null;
  },
});
