/** The summary table (stdout and markdown) and the results file. */
import type { RoomsResult, StormResult } from "./big-rooms.js";
import type { Machine } from "./machine.js";
import { CONTENDERS, PEER_LABELS, type Contender } from "./peer-process.js";
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
  results: Record<Contender, PeerResult>;
  /** With `--repeat`: the load scenarios again, once per later round. */
  laterRounds: Record<Contender, PeerResult>[];
  /** Join storms, one per size (this project only). */
  storms: StormResult[];
  /** `rooms` on two nodes over Redis (this project only). */
  roomsOverRedis?: RoomsResult;
  /** Why the `rooms` scenario did not run (no Redis). */
  roomsSkipped?: string;
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
  values: Record<Contender, number | undefined>;
  digits: number;
  /** Overrides the number's formatting (the ratio still uses the number). */
  show?: (v: number) => string | undefined;
  target?: string;
  /** The target as a number, given the reference peer's value in the same run; undefined when it cannot be judged. */
  bound?: (reference: number | undefined) => number | undefined;
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
      CONTENDERS.map((k) => [k, median(rounds.map((round) => pick(round[k])).filter((v) => v !== undefined))]),
    ) as Record<Contender, number | undefined>;
  const phase = (get: (x: PeerResult) => Phase | undefined, field: keyof Phase) =>
    per((x) => get(x)?.[field]);
  const fan = `fan-out ${f.rooms}×${f.perRoom}, ${f.rate} msg/s`;
  const perSocket = (field: "heap" | "rss") => per((x) => (x.idle ? perSocketKb(x.idle, field) : undefined));
  const fixed = (limit: number) => () => limit;
  const reference = (value: number | undefined) => value;
  return [
    { figure: `${fan}: p50 ms`, values: phase((x) => x.fanout, "p50"), digits: 1, load: true },
    { figure: `${fan}: p95 ms`, values: phase((x) => x.fanout, "p95"), digits: 1, load: true },
    {
      load: true,
      figure: `${fan}: p99 ms`,
      values: phase((x) => x.fanout, "p99"),
      digits: 1,
      target: "≤ 50, or ≤ peer",
      bound: (value) => Math.max(50, value ?? 0),
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
      figure: `${fan}: sends refused (busy)`,
      values: phase((x) => x.fanout, "refused"),
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
      target: "≥ 1.0× peer",
      // Below the first step there is no figure to compare against.
      bound: (value) => value || undefined,
      floor: true,
    },
    {
      load: true,
      figure: `server (+ database) CPU per delivery, rooms of ${s.perRoom}: µs`,
      values: phase((x) => x.cpuSmall, "cpuUsPerDelivery"),
      digits: 1,
      target: "≤ 1.0× peer",
      bound: reference,
    },
    {
      load: true,
      figure: `server (+ database) CPU per delivery, rooms of ${f.perRoom}: µs`,
      values: phase((x) => x.fanout, "cpuUsPerDelivery"),
      digits: 1,
      target: "≤ 1.0× peer",
      bound: reference,
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

/**
 * The comparisons the summary makes: this project against the reference peer
 * that runs on the same footing — the Socket.IO relay (storing nothing) for the
 * project on its embedded database, the tutorial's mongoose server for the
 * project on MongoDB (each with a FerretDB of its own).
 */
type Pair = { a: Contender; b: Contender; label: string };
const PAIRS: readonly Pair[] = [
  { a: "project", b: "relay", label: "project ÷ relay" },
  { a: "projectMongo", b: "tutorial", label: "on MongoDB ÷ tutorial" },
];

/** What one summary shows: the contenders that ran, and the comparisons whose two sides both ran. */
type Layout = { columns: Contender[]; pairs: Pair[] };

function layoutOf(r: RunReport): Layout {
  const rounds = [r.results, ...r.laterRounds];
  const ran = (k: Contender) => rounds.some((round) => hasResults(round[k]));
  const columns = CONTENDERS.filter(ran);
  return { columns, pairs: PAIRS.filter((p) => ran(p.a) && ran(p.b)) };
}

const ratioOf = (values: Row["values"], pair: Pair): number | undefined => {
  const a = values[pair.a];
  const b = values[pair.b];
  return a !== undefined && b !== undefined && b !== 0 ? a / b : undefined;
};

function cells(row: Row, layout: Layout): string[] {
  const show = (v: number | undefined) => (v !== undefined && row.show?.(v)) || fmt(v, row.digits);
  return [
    row.figure,
    ...layout.columns.map((k) => show(row.values[k])),
    row.target ?? "",
    ...layout.pairs.flatMap((pair) => {
      const ratio = ratioOf(row.values, pair);
      return [ratio === undefined ? "—" : `${ratio.toFixed(2)}×`, verdict(row, row.values[pair.a], row.values[pair.b])];
    }),
  ];
}

/**
 * The summary's cells. With several rounds, a load figure's ratio is the
 * median of the rounds' own ratios (each round compares peers measured minutes
 * apart, on the machine as it was then), and its verdict says in how many
 * rounds the target was met.
 */
function summaryCells(r: RunReport, layout: Layout): string[][] {
  const rounds = [r.results, ...r.laterRounds];
  const perRound = rounds.map((round) => rows(r, [round]));
  const all = rows(r);
  // Figures no peer measured in this run (scenarios left out with --only) are left out too.
  const measured = (row: Row) => layout.columns.some((k) => row.values[k] !== undefined);
  return all.flatMap((row, i) => (measured(row) ? [[row, i] as const] : [])).map(([row, i]) => {
    const c = cells(row, layout);
    if (rounds.length === 1 || !row.load) return c;
    const each = perRound.map((list) => list[i]!);
    layout.pairs.forEach((pair, j) => {
      const at = 2 + layout.columns.length + 2 * j;
      const ratio = median(each.map((x) => ratioOf(x.values, pair)).filter((v) => v !== undefined));
      c[at] = ratio === undefined ? "—" : `${ratio.toFixed(2)}× (median)`;
      if (row.bound) {
        const judged = each.map((x) => verdict(x, x.values[pair.a], x.values[pair.b])).filter((v) => v !== "");
        const met = judged.filter((v) => v === "met").length;
        c[at + 1] = judged.length === 0 ? "" : `met in ${met} of ${judged.length} rounds`;
      }
    });
    return c;
  });
}

/** "met", by how much the project misses the target ("missed: 1.45× off"), or "" when it cannot be judged. */
function verdict(row: Row, project: number | undefined, reference: number | undefined): string {
  const bound = row.bound?.(reference);
  if (project === undefined || Number.isNaN(project) || bound === undefined || Number.isNaN(bound)) return "";
  if (row.floor ? project >= bound : project <= bound) return "met";
  if (bound === 0 || project === 0) return `missed (${fmt(project, row.digits)})`;
  return `missed: ${(row.floor ? bound / project : project / bound).toFixed(2)}× off`;
}

const header = (layout: Layout) => [
  "figure",
  ...layout.columns.map((k) => PEER_LABELS[k]),
  "target",
  ...layout.pairs.flatMap((p) => [p.label, `${PEER_LABELS[p.a]} vs target`]),
];

/** Whether any scenario run against a peer (load, idle, history) measured something. */
const hasResults = (x: PeerResult) => x.fanout !== undefined || x.idle !== undefined || x.history !== undefined || x.steps.length > 0;

const hasPeerResults = (r: RunReport) => CONTENDERS.some((k) => hasResults(r.results[k]));

const fixedWidth = (all: string[][]) => {
  const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  return all.map((c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ")).join("\n");
};

/** The summary as a fixed-width text table. */
export function textTable(r: RunReport): string {
  const parts: string[] = [];
  const layout = layoutOf(r);
  if (hasPeerResults(r)) parts.push(fixedWidth([header(layout), ...summaryCells(r, layout)]));
  const big = bigRoomCells(r);
  if (big.length > 0) parts.push(fixedWidth([BIG_HEADER, ...big]));
  return parts.join("\n\n");
}

/** Megabytes as the targets count them: 10^6 bytes. */
const MB = 1e6;
const megabytes = (bytes: number) => (bytes / MB).toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const seconds = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "—" : (ms / 1000).toFixed(2));

/**
 * The targets of the big-room scenarios (issue 25), at the sizes they were
 * set for: other sizes (`--quick`) are shown without a verdict.
 */
const STORM_TARGETS: Record<number, { ackedSeconds: number; presenceMb?: number; noRefusal?: true }> = {
  1000: { ackedSeconds: 3, presenceMb: 20 },
  5000: { ackedSeconds: 15, noRefusal: true },
};
const ROOMS_TARGET = { rooms: 1000, p50Ms: 30 };

const BIG_HEADER = ["big rooms (this project)", "measured", "target", "vs target"];

const judge = (ok: boolean, off: string) => (ok ? "met" : `missed${off ? `: ${off}` : ""}`);

/** One row per figure of the storms and the `rooms` scenario. */
function bigRoomCells(r: RunReport): string[][] {
  const { scale } = r;
  const out: string[][] = [];
  for (const st of r.storms) {
    const n = st.clients.toLocaleString("en");
    const t = STORM_TARGETS[st.clients];
    const all = st.allAckedMs !== undefined;
    out.push([
      `join storm ${n}: every join acked, s`,
      all
        ? seconds(st.allAckedMs)
        : `not all: ${st.ok.toLocaleString("en")} of ${n} ok` +
          (st.killedAtMs === undefined ? ` within ${scale.storms.capSeconds} s` : ` (server killed at ${seconds(st.killedAtMs)} s)`),
      t ? `≤ ${t.ackedSeconds}` : "",
      t ? judge(all && st.allAckedMs! <= t.ackedSeconds * 1000, all ? `${(st.allAckedMs! / 1000 / t.ackedSeconds).toFixed(2)}× off` : "") : "",
    ]);
    out.push([`join storm ${n}: join answer p50 / p99, s`, `${seconds(st.p50)} / ${seconds(st.p99)}`, "", ""]);
    out.push([
      `join storm ${n}: refused / unanswered joins`,
      `${st.refused} / ${st.timedOut}`,
      t?.noRefusal ? "0 / 0" : "",
      t?.noRefusal ? judge(st.refused === 0 && st.timedOut === 0, "") : "",
    ]);
    const presenceMb = st.presenceBytes / MB;
    out.push([
      `join storm ${n}: presence received in total, MB`,
      `${st.cut ? "≥ " : ""}${megabytes(st.presenceBytes)} (${st.presencePackets.toLocaleString("en")} packets)`,
      t?.presenceMb ? `≤ ${t.presenceMb}` : "",
      t?.presenceMb ? judge(!st.cut && presenceMb <= t.presenceMb, `${(presenceMb / t.presenceMb).toFixed(1)}× off`) : "",
    ]);
    out.push([`join storm ${n}: server CPU, s`, `${seconds(st.serverCpuMs)} over ${seconds(st.wallMs)} s`, "", ""]);
  }
  const ro = r.roomsOverRedis;
  if (ro) {
    const n = ro.rooms.toLocaleString("en");
    const judged = ro.rooms === ROOMS_TARGET.rooms;
    out.push([
      `rooms, ${n} rooms on ${ro.nodes} nodes over Redis: p50 ms`,
      ro.p50.toFixed(1),
      judged ? `≤ ${ROOMS_TARGET.p50Ms}` : "",
      judged ? judge(ro.p50 <= ROOMS_TARGET.p50Ms, `${(ro.p50 / ROOMS_TARGET.p50Ms).toFixed(2)}× off`) : "",
    ]);
    out.push([`rooms, ${n} rooms on ${ro.nodes} nodes over Redis: p99 ms`, ro.p99.toFixed(1), "", ""]);
    out.push([
      `rooms, ${n} rooms on ${ro.nodes} nodes over Redis: answers with every count right`,
      `${ro.correct} of ${ro.requests}`,
      `${ro.requests} of ${ro.requests}`,
      judge(ro.correct === ro.requests, ro.wrong ?? ""),
    ]);
  }
  return out;
}

/** One line about a storm, for the progress log. */
export function describeStorm(st: StormResult): string {
  return (
    `${st.ok}/${st.clients} joins ok (${st.refused} refused, ${st.timedOut} unanswered), ` +
    `${st.allAckedMs === undefined ? "not every join acked" : `every join acked in ${seconds(st.allAckedMs)} s`}, ` +
    `p50 ${seconds(st.p50)} s, p99 ${seconds(st.p99)} s; presence ${st.cut ? "≥ " : ""}${megabytes(st.presenceBytes)} MB ` +
    `in ${st.presencePackets.toLocaleString("en")} packets, the last at ${seconds(st.presenceLastMs)} s; server CPU ${seconds(st.serverCpuMs)} s over ${seconds(st.wallMs)} s; ` +
    `load workers ${(st.generatorBusy * 100).toFixed(0)} % busy; server RSS peak ${(st.peakRss / 2 ** 20).toFixed(0)} MB` +
    (st.killedAtMs === undefined ? "" : `; **the server passed the memory guard and was killed at ${seconds(st.killedAtMs)} s**`) +
    (Object.keys(st.dropped).length > 0 ? `; dropped ${JSON.stringify(st.dropped)}` : "")
  );
}

/** One line about the `rooms` scenario, for the progress log. */
export function describeRooms(ro: RoomsResult): string {
  return (
    `p50 ${ro.p50.toFixed(1)} ms, p99 ${ro.p99.toFixed(1)} ms, max ${ro.max.toFixed(1)} ms over ${ro.requests} requests; ` +
    `${ro.correct}/${ro.requests} answers right${ro.wrong ? ` (one wrong: ${ro.wrong})` : ""}; ` +
    `joins took ${seconds(ro.joinMs)} s, both nodes agreed ${ro.agreedMs === undefined ? "not within 20 s" : `${seconds(ro.agreedMs)} s later`}; ` +
    `${ro.cpuMsPerRequest.toFixed(1)} ms CPU per request (both nodes)`
  );
}

/** The big-room sections of the results file. */
function bigRoomMarkdown(r: RunReport): string[] {
  const cells = bigRoomCells(r);
  if (cells.length === 0 && !r.roomsSkipped) return [];
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
  const out = ["", "## Big rooms", ...(cells.length > 0 ? ["", mdRow(BIG_HEADER), mdRow(BIG_HEADER.map(() => "---")), ...cells.map(mdRow)] : [])];
  if (r.storms.length > 0) {
    out.push(
      "",
      "### Join storms",
      "",
      "A fresh server process each time (embedded SQLite, the limits of *Peers* below). The clients connect first, in no room; then all of them " +
        "send `join` for the same new room at the same moment (both load workers start at one agreed instant). A join's time runs from that " +
        "instant to its answer; a join not answered within the cap counts as unanswered. `presence` bytes are every `presence` packet the clients " +
        "received, counted as sent on the WebSocket (the Engine.IO type character and the Socket.IO packet, UTF-8), from that instant until none " +
        "came for 2 s, or until the cap " +
        `(${r.scale.storms.capSeconds} s from the start), when the figure is only a lower bound (marked ≥). Server CPU is utime + stime over the same stretch. MB = 10⁶ bytes. ` +
        "The server's RSS is sampled every 200 ms; past the memory guard (`BENCH_SERVER_RSS_LIMIT_MB`, 4096 unless set) the server is killed so that it cannot take the machine's memory, " +
        "and the joins still waiting count as unanswered.",
      "",
    );
    for (const st of r.storms) {
      out.push(
        `- ${st.clients.toLocaleString("en")} clients (connected in ${seconds(st.connectMs)} s; load average at the storm ${load(st.loadAtStart)}): ${describeStorm(st)}; ` +
          `all packets received ${megabytes(st.bytes)} MB` +
          (Object.keys(st.errors).length > 0 ? `; refusals ${JSON.stringify(st.errors)}` : ""),
      );
    }
  }
  if (r.roomsSkipped) out.push("", "### `rooms` on two nodes over Redis", "", `Not measured: ${r.roomsSkipped}.`);
  const ro = r.roomsOverRedis;
  if (ro) {
    out.push(
      "",
      "### `rooms` on two nodes over Redis",
      "",
      `Two server processes sharing Redis under a key prefix of their own (deleted afterwards), \`MAX_ROOMS=${ro.rooms + 100}\`, each on its own embedded SQLite database. ` +
        `On each node, clients join ${r.scale.roomsOverRedis.roomsPerClient} rooms each (within the join rate limit's burst) until all ${ro.rooms.toLocaleString("en")} rooms ` +
        "hold one person from each node, so every room exists in both databases and every count spans both nodes. " +
        `Then ${ro.requests} \`rooms\` requests one at a time (after 20 discarded), alternating between the nodes, spread over enough people to stay ` +
        "within the `rooms` rate limit; every answer is checked to list each room with its 2 people.",
      "",
      `- load average at the start ${load(ro.loadAtStart)}: ${describeRooms(ro)}`,
    );
  }
  return out;
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
      p.dbCpuMs > 0 ? `${p.serverCpuMs.toFixed(0)} (${p.dbCpuMs.toFixed(0)})` : p.serverCpuMs.toFixed(0),
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
  const layout = layoutOf(r);
  const HEADER = header(layout);
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
    ...(layout.pairs.some((p) => p.b === "tutorial")
      ? [
          "*peer* in a target is the reference on the same footing: the Socket.IO relay for this project on its embedded database, " +
            "the tutorial's mongoose server for this project on MongoDB (each with a FerretDB of its own, whose CPU time counts with its server's).",
          "",
        ]
      : []),
    ...(hasPeerResults(r) ? [mdRow(HEADER), mdRow(HEADER.map(() => "---")), ...summaryCells(r, layout).map(mdRow)] : []),
    ...bigRoomMarkdown(r),
  ];
  const rounds = [r.results, ...r.laterRounds];
  const anyPhase = rounds.some((round) => CONTENDERS.some((k) => round[k].fanout !== undefined || round[k].steps.length > 0));
  if (anyPhase) out.push(
    "",
    "## Phases",
    "",
    "sent / accepted / refused: accepted is acked ok by the project and the tutorial server; the relays do not ack, so every send counts. " +
      "Latency is send→delivered at every receiver (timestamp in the payload, one monotonic clock). " +
      "Server CPU is utime + stime from `/proc/<pid>/stat` over the phase, of the server process and, on MongoDB, of its own FerretDB process " +
      "(the database's share in brackets); per delivery it is divided by deliveries counted at the receivers. " +
      "Load workers busy: their CPU time over the phase's wall time and cores — near 100 % means the generator, not the server, was the limit.",
    "",
    mdRow(["peer, phase", "msg/s", "room size", "sent / accepted / refused", "delivered / expected", "lost", "p50 / p95 / p99 / max ms", "server (database) CPU ms", "µs/delivery", "load workers busy"]),
    mdRow(Array.from({ length: 10 }, () => "---")),
  );
  rounds.forEach((round, i) => {
    const tag = r.laterRounds.length > 0 ? ` (round ${i + 1})` : "";
    for (const k of CONTENDERS) {
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
      for (const row of rows(r, [round]).filter((x) => x.load)) out.push(mdRow([String(i + 1), ...cells(row, layout)]));
    });
  }
  if (anyPhase) out.push("", "## Saturation", "");
  rounds.forEach((round, i) => {
    const tag = r.laterRounds.length > 0 ? ` (round ${i + 1})` : "";
    for (const k of CONTENDERS) {
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
  if (CONTENDERS.some((k) => r.results[k].idle)) out.push(
    "",
    `## Idle sockets (${idle.sockets.toLocaleString("en")}, connected, in no room)`,
    "",
    "The server process fresh from start-up; readings are its own `process.memoryUsage()` after a forced GC (`--expose-gc`), " +
      `with ${(idle.sockets / 10).toLocaleString("en")} sockets connected and then with all ${idle.sockets.toLocaleString("en")}; ` +
      "the growth is divided by the sockets connected in between, so one-time costs of the first connections are left out.",
    "",
  );
  for (const k of CONTENDERS) {
    const i = r.results[k].idle;
    if (!i) continue;
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    out.push(
      `- ${PEER_LABELS[k]}: heap ${mb(i.heapBefore)} → ${mb(i.heapAfter)} MB, RSS ${mb(i.rssBefore)} → ${mb(i.rssAfter)} MB`,
    );
  }
  const histories = (["project", "projectMongo"] as const).filter((k) => r.results[k].history);
  if (histories.length > 0) out.push("", "## History", "");
  for (const k of histories) {
    const h = r.results[k].history!;
    out.push(
      `- ${PEER_LABELS[k]}: ${h.messages.toLocaleString("en")} messages in one room, written through the store's API (\`MessageStore.insert\`) in the server process in ${(h.fillMs / 1000).toFixed(1)} s; ` +
        `then ${h.requests} \`history { room, limit: ${history.limit} }\` requests over the socket protocol, one at a time (after 20 discarded): ` +
        `p50 ${h.p50.toFixed(2)} ms, p99 ${h.p99.toFixed(2)} ms, max ${h.max.toFixed(2)} ms. The relays and the tutorial server are not asked for history.`,
    );
  }
  if (hasResults(r.results.projectMongo) && histories.length > 0) {
    out.push(
      `- ${PEER_LABELS.projectMongo}: not measured. FerretDB v1 answers a page by reading and sorting every document of the channel in its own code ` +
        "(its indexes serve only `_id`), so the figure would be FerretDB's; on MongoDB the `{ channel: 1, _id: -1 }` index serves the page with no sort.",
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
    "- **this project on MongoDB** (`--store mongo`): the same, with `MONGODB_URI` naming a fresh FerretDB of its own (`.cache/bin/ferretdb`, SQLite in a fresh directory); " +
      "one node without `REDIS_URL`, so the database's only writer.",
    "- **tutorial (mongoose)** (`bench/peers/tutorial-mongo.ts`): what the classic \"express + mongodb + socket.io\" tutorial builds — Express and Socket.IO on one http server, " +
      "a mongoose model; join a room (the last 50 messages sent back), each message saved with `Message.create` and then emitted to the room, the callback answered; " +
      "no validation, limits or recovery. A fresh FerretDB of its own, like the project's.",
    "",
    "Each peer is one process for all its scenarios, in this order: idle sockets, rooms of 10, fan-out, history.",
    "",
  );
  return out.join("\n");
}
