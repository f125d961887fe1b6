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

/** What this worker's clients received since the last reset (only clients connected with `countTraffic`). */
export type Traffic = {
  packets: number;
  bytes: number;
  presencePackets: number;
  presenceBytes: number;
  /** Epoch ms (fractional) of the latest `presence`; 0 when none came. */
  lastPresenceAt: number;
  /** Clients the server or the transport closed, by reason. */
  dropped: Record<string, number>;
};

/** Every client's `join` of one room, all sent at once. */
export type StormReport = {
  ok: number;
  refused: number;
  timedOut: number;
  /** Refusals by error code. */
  errors: Record<string, number>;
  /** Epoch ms (fractional) of the last answer that was ok; 0 when none. */
  lastOkAt: number;
  /** Each ok join's time from the storm's start to its answer, ms. */
  latencies: number[];
};

export type RoomsCheck = { prefix: string; rooms: number; members: number };
export type RoomsTiming = {
  samples: number[];
  /** Answers that listed exactly `check.rooms` rooms named with `check.prefix`, each with `check.members` members. */
  correct: number;
  /** One wrong answer's rooms of the prefix, for the report; absent when all were right. */
  wrong?: string;
};

export type WorkerCommands = {
  limits: { args: null; result: { openFiles: number } };
  connect: {
    args: {
      kind: PeerKind;
      url: string;
      /** `url` overrides the command's own for that client (nodes of a cluster). */
      clients: { name: string; room?: string; url?: string }[];
      concurrency: number;
      countTraffic?: boolean;
    };
    result: { connected: number };
  };
  traffic: { args: { reset: boolean }; result: Traffic };
  /** Waits until `startAt` (epoch ms), then every client joins `room` at once. */
  storm: { args: { room: string; startAt: number; timeoutMs: number }; result: StormReport };
  /** Each named client held here joins its rooms one after another; the clients at once. */
  joinRooms: {
    args: { joins: Record<string, string[]>; timeoutMs: number };
    result: { ok: number; refused: number; timedOut: number; errors: Record<string, number> };
  };
  /** `requests` `rooms` requests one at a time, from the named clients in turn. */
  roomsTiming: { args: { names: string[]; requests: number; check: RoomsCheck }; result: RoomsTiming };
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
const emptyTraffic = (): Traffic => ({ packets: 0, bytes: 0, presencePackets: 0, presenceBytes: 0, lastPresenceAt: 0, dropped: {} });
let traffic = emptyTraffic();

const hooks = {
  delivered(text: string) {
    histogram.record((nowMicros() - Number(text.slice(0, text.indexOf(" ")))) / 1000);
  },
  acked(ok: boolean) {
    if (ok) acked++;
    else refused++;
  },
};

/** The same, plus what each client receives and whether the server drops it. */
const countingHooks = {
  ...hooks,
  received(bytes: number, presence: boolean) {
    traffic.packets++;
    traffic.bytes += bytes;
    if (presence) {
      traffic.presencePackets++;
      traffic.presenceBytes += bytes;
      traffic.lastPresenceAt = performance.timeOrigin + performance.now();
    }
  },
  dropped(reason: string) {
    traffic.dropped[reason] = (traffic.dropped[reason] ?? 0) + 1;
  },
};

/** The named clients, in the order named. */
const byName = (names: string[]) => {
  const all = new Map(clients.map((c) => [c.name, c]));
  return names.map((name) => {
    const c = all.get(name);
    if (!c) throw new Error(`no client named ${name} is connected here`);
    return c;
  });
};

const count = (into: Record<string, number>, key: string) => {
  into[key] = (into[key] ?? 0) + 1;
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
        const { name, room, url } = args.clients[next++]!;
        clients.push(await connectClient(args.kind, url ?? args.url, name, room, args.countTraffic ? countingHooks : hooks));
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
    const acks = kind === "project" || kind === "tutorial";
    if (acks) {
      // Every send is answered (ok, refused, or timed out after 30 s).
      for (const deadline = Date.now() + 35_000; acked + refused < sent && Date.now() < deadline; ) await sleep(20);
    }
    return {
      sent,
      accepted: acks ? acked : sent,
      refused: acks ? sent - acked : 0,
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

  traffic({ reset }) {
    const now = traffic;
    if (reset) traffic = emptyTraffic();
    return now;
  },

  async storm({ room, startAt, timeoutMs }) {
    if (clients.length === 0) throw new Error("no clients connected");
    const report: StormReport = { ok: 0, refused: 0, timedOut: 0, errors: {}, lastOkAt: 0, latencies: [] };
    const wait = startAt - (performance.timeOrigin + performance.now());
    if (wait > 0) await sleep(wait);
    // Latency from the storm's start (not from each emit), so the last answer says when the storm was over.
    await Promise.all(
      clients.map(async (c) => {
        const res = await c.join(room, timeoutMs);
        const at = performance.timeOrigin + performance.now();
        if (res.outcome === "ok") {
          report.ok++;
          report.lastOkAt = Math.max(report.lastOkAt, at);
          report.latencies.push(at - startAt);
        } else if (res.outcome === "refused") {
          report.refused++;
          count(report.errors, res.error ?? "?");
        } else report.timedOut++;
      }),
    );
    return report;
  },

  async joinRooms({ joins, timeoutMs }) {
    const result = { ok: 0, refused: 0, timedOut: 0, errors: {} as Record<string, number> };
    // Every worker gets the whole plan and joins for the clients it holds.
    await Promise.all(
      clients.filter((c) => joins[c.name] !== undefined).map(async (c) => {
        for (const room of joins[c.name]!) {
          const res = await c.join(room, timeoutMs);
          if (res.outcome === "ok") result.ok++;
          else if (res.outcome === "refused") {
            result.refused++;
            count(result.errors, res.error ?? "?");
          } else result.timedOut++;
        }
      }),
    );
    return result;
  },

  async roomsTiming({ names, requests, check }) {
    const askers = byName(names);
    const result: RoomsTiming = { samples: [], correct: 0 };
    for (let i = 0; i < requests; i++) {
      const { ms, rooms } = await askers[i % askers.length]!.rooms();
      result.samples.push(ms);
      const mine = rooms.filter((r) => r.name.startsWith(check.prefix));
      if (mine.length === check.rooms && mine.every((r) => r.members === check.members)) result.correct++;
      else
        result.wrong ??= `${mine.length} rooms; members ${[...new Set(mine.map((r) => r.members))].sort((a, b) => a - b).join(", ")}`;
    }
    return result;
  },

  close() {
    for (const c of clients) c.close();
    clients = [];
    traffic = emptyTraffic();
    return null;
  },
});
