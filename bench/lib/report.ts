/** The summary table (stdout and markdown) and the results file. */
import type { Machine } from "./machine.js";
import { PEER_LABELS, PEERS, type PeerKind } from "./peer-process.js";
import { perSocketKb, type Phase, type PeerResult } from "./scenarios.js";
import type { Scale } from "./scale.js";

export type RunReport = {
  date: string;
  command: string;
  machine: Machine;
  loadStart: number[];
  loadEnd: number[];
  scale: Scale;
  /** Every scenario, round 1. */
  results: Record<PeerKind, PeerResult>;
  /** With `--repeat`: the load scenarios again, once per later round. */
  laterRounds: Record<PeerKind, PeerResult>[];
};

/** The middle value (the mean of the two middle ones for an even count); undefined when there are none. */
export function median(values: number[]): number | undefined {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type Row = {
  figure: string;
  values: Record<PeerKind, number | undefined>;
  digits: number;
  /** Overrides the number's formatting (the ratio still uses the number). */
  show?: (v: number) => string | undefined;
  target?: string;
  /** The target as a number, given the relay's value in the same run; undefined when it cannot be judged. */
  bound?: (relay: number | undefined) => number | undefined;
  /** The target is a floor (saturation), not a ceiling. */
  floor?: boolean;
  /** Measured by the load scenarios, so once per round with `--repeat`. */
  load?: boolean;
};

/**
 * The summary's rows. With several rounds each value is the median of the
 * rounds that measured it (the load figures); idle and history run once.
 */
function rows(r: RunReport, rounds = [r.results, ...r.laterRounds]): Row[] {
  const { fanout: f, small: s, idle, history } = r.scale;
  const per = (pick: (x: PeerResult) => number | undefined) =>
    Object.fromEntries(
      PEERS.map((k) => [k, median(rounds.map((round) => pick(round[k])).filter((v) => v !== undefined))]),
    ) as Record<PeerKind, number | undefined>;
  const phase = (get: (x: PeerResult) => Phase | undefined, field: keyof Phase) =>
    per((x) => get(x)?.[field]);
  const fan = `fan-out ${f.rooms}×${f.perRoom}, ${f.rate} msg/s`;
  const perSocket = (field: "heap" | "rss") => per((x) => (x.idle ? perSocketKb(x.idle, field) : undefined));
  const fixed = (limit: number) => () => limit;
  const relay = (relayValue: number | undefined) => relayValue;
  return [
    { figure: `${fan}: p50 ms`, values: phase((x) => x.fanout, "p50"), digits: 1, load: true },
    { figure: `${fan}: p95 ms`, values: phase((x) => x.fanout, "p95"), digits: 1, load: true },
    {
      load: true,
      figure: `${fan}: p99 ms`,
      values: phase((x) => x.fanout, "p99"),
      digits: 1,
      target: "≤ 50, or ≤ relay",
      bound: (relayValue) => Math.max(50, relayValue ?? 0),
    },
    { figure: `${fan}: max ms`, values: phase((x) => x.fanout, "max"), digits: 1, load: true },
    {
      load: true,
      figure: `${fan}: lost deliveries`,
      values: phase((x) => x.fanout, "lost"),
      digits: 0,
      target: "0",
      bound: fixed(0),
    },
    {
      load: true,
      figure: `saturation, rooms of ${s.perRoom}: msg/s`,
      values: per((x) => x.saturation),
      digits: 0,
      show: (v) => (v === 0 ? `< ${s.steps[0]}` : undefined),
      target: "≥ 1.0× relay",
      // Below the first step there is no figure to compare against.
      bound: (relayValue) => relayValue || undefined,
      floor: true,
    },
    {
      load: true,
      figure: `server CPU per delivery, rooms of ${s.perRoom}: µs`,
      values: phase((x) => x.cpuSmall, "cpuUsPerDelivery"),
      digits: 1,
      target: "≤ 1.0× relay",
      bound: relay,
    },
    {
      load: true,
      figure: `server CPU per delivery, rooms of ${f.perRoom}: µs`,
      values: phase((x) => x.fanout, "cpuUsPerDelivery"),
      digits: 1,
      target: "≤ 1.0× relay",
      bound: relay,
    },
    {
      figure: `heap per idle socket at ${idle.sockets.toLocaleString("en")}: KB`,
      values: perSocket("heap"),
      digits: 2,
      target: "≤ 6",
      bound: fixed(6),
    },
    { figure: `RSS per idle socket at ${idle.sockets.toLocaleString("en")}: KB`, values: perSocket("rss"), digits: 2 },
    {
      figure: `history newest ${history.limit} of ${history.messages.toLocaleString("en")}: p50 ms`,
      values: per((x) => x.history?.p50),
      digits: 2,
    },
    {
      figure: `history newest ${history.limit} of ${history.messages.toLocaleString("en")}: p99 ms`,
      values: per((x) => x.history?.p99),
      digits: 2,
      target: "≤ 20",
      bound: fixed(20),
    },
  ];
}

const fmt = (v: number | undefined, digits: number) =>
  v === undefined || Number.isNaN(v) ? "—" : v.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const ratioOf = ({ project, relay }: Row["values"]): number | undefined =>
  project !== undefined && relay !== undefined && relay !== 0 ? project / relay : undefined;

function cells(row: Row): string[] {
  const { project, relay, ws } = row.values;
  const ratio = ratioOf(row.values);
  const show = (v: number | undefined) => (v !== undefined && row.show?.(v)) || fmt(v, row.digits);
  return [row.figure, show(project), show(relay), show(ws), ratio === undefined ? "—" : `${ratio.toFixed(2)}×`, row.target ?? "", verdict(row, project, relay)];
}

/**
 * The summary's cells. With several rounds, a load figure's ratio is the
 * median of the rounds' own ratios (each round compares peers measured minutes
 * apart, on the machine as it was then), and its verdict says in how many
 * rounds the target was met.
 */
function summaryCells(r: RunReport): string[][] {
  const rounds = [r.results, ...r.laterRounds];
  const perRound = rounds.map((round) => rows(r, [round]));
  return rows(r).map((row, i) => {
    const c = cells(row);
    if (rounds.length === 1 || !row.load) return c;
    const each = perRound.map((list) => list[i]!);
    const ratio = median(each.map((x) => ratioOf(x.values)).filter((v) => v !== undefined));
    c[4] = ratio === undefined ? "—" : `${ratio.toFixed(2)}× (median)`;
    if (row.bound) {
      const judged = each.map((x) => verdict(x, x.values.project, x.values.relay)).filter((v) => v !== "");
      const met = judged.filter((v) => v === "met").length;
      c[6] = judged.length === 0 ? "" : `met in ${met} of ${judged.length} rounds`;
    }
    return c;
  });
}

/** "met", by how much the project misses the target ("missed: 1.45× off"), or "" when it cannot be judged. */
function verdict(row: Row, project: number | undefined, relay: number | undefined): string {
  const bound = row.bound?.(relay);
  if (project === undefined || Number.isNaN(project) || bound === undefined || Number.isNaN(bound)) return "";
  if (row.floor ? project >= bound : project <= bound) return "met";
  if (bound === 0 || project === 0) return `missed (${fmt(project, row.digits)})`;
  return `missed: ${(row.floor ? bound / project : project / bound).toFixed(2)}× off`;
}

const HEADER = ["figure", PEER_LABELS.project, PEER_LABELS.relay, PEER_LABELS.ws, "project ÷ relay", "target", "project vs target"];

/** The summary as a fixed-width text table. */
export function textTable(r: RunReport): string {
  const all = [HEADER, ...summaryCells(r)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  return all.map((c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ")).join("\n");
}

const mdRow = (c: string[]) => `| ${c.join(" | ")} |`;

function phaseRows(label: string, phases: Phase[]): string[] {
  return phases.map((p) =>
    mdRow([
      label,
      String(p.rate),
      String(p.roomSize),
      `${p.sent} / ${p.accepted} / ${p.refused}`,
      `${p.delivered} / ${p.expected}`,
      String(p.lost),
      [p.p50, p.p95, p.p99, p.max].map((v) => v.toFixed(1)).join(" / "),
      p.serverCpuMs.toFixed(0),
      p.cpuUsPerDelivery.toFixed(1),
      `${(p.generatorBusy * 100).toFixed(0)} %`,
    ]),
  );
}

/** The results file: machine, command, summary, and every phase in detail. */
export function markdown(r: RunReport): string {
  // Only the start counts: by the end the load average holds the benchmark's own load.
  const busy = r.loadStart[0]! >= 0.5;
  const { fanout: f, small: s, idle, history } = r.scale;
  const out: string[] = [
    `# Benchmark ${r.date}${r.scale.quick ? " (quick, scaled down)" : ""}`,
    "",
    `- command: \`${r.command}\``,
    `- machine: ${r.machine.cores} cores, ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, ${r.machine.os}`,
    `- Node ${r.machine.node}; ${r.scale.workers} load-generator processes on the same machine, loopback only`,
    `- load average (1/5/15 min) at start ${r.loadStart.map((l) => l.toFixed(2)).join(" / ")}, at end ${r.loadEnd.map((l) => l.toFixed(2)).join(" / ")} (the benchmark's own load included)`,
    ...(busy
      ? [
          "",
          "> **Measured on a busy machine** (1-minute load ≥ 0.5 at the start): other work shared the cores, " +
            "so these figures are not a reference — compare ratios within this run only.",
        ]
      : []),
    "",
    "## Summary",
    "",
    ...(r.laterRounds.length > 0
      ? [
          `The load figures are medians of ${r.laterRounds.length + 1} rounds (each peer on a fresh process every round, ` +
            "the order of peers reversed in even rounds); their ratio is the median of each round's own ratio, and the verdict " +
            "counts the rounds that met the target. Idle and history ran once. Every round is under *Rounds*.",
          "",
        ]
      : []),
    mdRow(HEADER),
    mdRow(HEADER.map(() => "---")),
    ...summaryCells(r).map(mdRow),
    "",
    "## Phases",
    "",
    "sent / accepted / refused: accepted is acked ok by the project; the relays do not ack, so every send counts. " +
      "Latency is send→delivered at every receiver (timestamp in the payload, one monotonic clock). " +
      "Server CPU is utime + stime from `/proc/<pid>/stat` over the phase; per delivery it is divided by deliveries counted at the receivers. " +
      "Load workers busy: their CPU time over the phase's wall time and cores — near 100 % means the generator, not the server, was the limit.",
    "",
    mdRow(["peer, phase", "msg/s", "room size", "sent / accepted / refused", "delivered / expected", "lost", "p50 / p95 / p99 / max ms", "server CPU ms", "µs/delivery", "load workers busy"]),
    mdRow(Array.from({ length: 10 }, () => "---")),
  ];
  [r.results, ...r.laterRounds].forEach((round, i) => {
    const tag = r.laterRounds.length > 0 ? ` (round ${i + 1})` : "";
    for (const k of PEERS) {
      const x = round[k];
      if (x.fanout) out.push(...phaseRows(`${PEER_LABELS[k]}${tag}, fan-out ${f.rooms}×${f.perRoom}`, [x.fanout]));
      if (x.cpuSmall) out.push(...phaseRows(`${PEER_LABELS[k]}${tag}, CPU ${s.rooms}×${s.perRoom}`, [x.cpuSmall]));
      out.push(...phaseRows(`${PEER_LABELS[k]}${tag}, saturation step`, x.steps));
    }
  });
  if (r.laterRounds.length > 0) {
    out.push("", "## Rounds", "", "Each round's load figures on their own, as in the summary.", "");
    out.push(mdRow(["round", ...HEADER]), mdRow(["---", ...HEADER.map(() => "---")]));
    [r.results, ...r.laterRounds].forEach((round, i) => {
      for (const row of rows(r, [round]).filter((x) => x.load)) out.push(mdRow([String(i + 1), ...cells(row)]));
    });
  }
  out.push("", "## Saturation", "");
  [r.results, ...r.laterRounds].forEach((round, i) => {
    const tag = r.laterRounds.length > 0 ? ` (round ${i + 1})` : "";
    for (const k of PEERS) {
      const x = round[k];
      if (x.saturation === undefined) continue;
      out.push(
        `- ${PEER_LABELS[k]}${tag}: ` +
          (x.saturation === 0 ? `below ${s.steps[0]} msg/s (no step passed)` : `${x.saturation} msg/s`) +
          (x.saturationUnbounded ? " (the highest step passed; the limit lies above it)" : "") +
          ` — steps of ${s.stepSeconds} s over ${s.rooms} rooms × ${s.perRoom}, pass = p99 ≤ 100 ms, nothing lost or refused`,
      );
    }
  });
  out.push(
    "",
    `## Idle sockets (${idle.sockets.toLocaleString("en")}, connected, in no room)`,
    "",
    "The server process fresh from start-up; readings are its own `process.memoryUsage()` after a forced GC (`--expose-gc`), " +
      `with ${(idle.sockets / 10).toLocaleString("en")} sockets connected and then with all ${idle.sockets.toLocaleString("en")}; ` +
      "the growth is divided by the sockets connected in between, so one-time costs of the first connections are left out.",
    "",
  );
  for (const k of PEERS) {
    const i = r.results[k].idle;
    if (!i) continue;
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    out.push(
      `- ${PEER_LABELS[k]}: heap ${mb(i.heapBefore)} → ${mb(i.heapAfter)} MB, RSS ${mb(i.rssBefore)} → ${mb(i.rssAfter)} MB`,
    );
  }
  const h = r.results.project.history;
  if (h) {
    out.push(
      "",
      "## History",
      "",
      `- ${h.messages.toLocaleString("en")} messages in one room, written through the store's API (\`MessageStore.insert\`) in the server process in ${(h.fillMs / 1000).toFixed(1)} s; ` +
        `then ${h.requests} \`history { room, limit: ${history.limit} }\` requests over the socket protocol, one at a time (after 20 discarded): ` +
        `p50 ${h.p50.toFixed(2)} ms, p99 ${h.p99.toFixed(2)} ms, max ${h.max.toFixed(2)} ms. The relays keep no history.`,
    );
  }
  out.push(
    "",
    "## Peers",
    "",
    "- **this project**: `createChatServer` from `server/server.ts` storing into the embedded SQLite database (a file in a fresh `DATA_DIR`, WAL), configured through its environment " +
      "(`NODE_ENV=production`, `MAX_CONNECTIONS_PER_IP=1000000`, `RATE_LIMIT_BURST=10000`, `RATE_LIMIT_PER_SECOND=10000`, " +
      "`RATE_LIMIT_PER_IP_FACTOR=1000000`); " +
      "every message validated, stored, fanned out and acked.",
    "- **Socket.IO relay** (`bench/peers/socketio-relay.ts`): the tutorials' chat-room server — join a room, re-emit to the room; no validation, storage or acks.",
    "- **raw ws relay** (`bench/peers/ws-relay.ts`): `ws` with rooms by a tiny JSON protocol, each message encoded once.",
    "",
    "Each peer is one process for all its scenarios, in this order: idle sockets, fan-out, rooms of 10, history.",
    "",
  );
  return out.join("\n");
}
