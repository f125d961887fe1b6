/**
 * Search benchmark on the embedded SQLite store (a file in a temporary
 * directory, as the server keeps it): fills it with SEARCH_MESSAGES
 * (100,000) messages in 50 rooms, broadcasts and 200 private conversations —
 * words drawn from a 5,000-word vocabulary with a Zipf-like skew, one
 * message in four with Chinese text — then times searches of several kinds
 * as one person sees them (public rooms, broadcasts and 20 of the
 * conversations), through the same code the server runs.
 *
 *   npm run bench:search
 *
 * Tunables: SEARCH_MESSAGES (100000), SEARCH_RUNS per query kind (200).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { BROADCAST_CHANNEL, directChannel, roomChannel } from "../server/channels/channel.js";
import { createIdGenerator } from "../server/messages/message-id.js";
import type { NewMessage } from "../server/messages/message-store.js";
import { searchMatcher } from "../server/messages/search-terms.js";
import { SqliteStorage } from "../server/storage/sqlite-storage.js";

const MESSAGES = Number(process.env.SEARCH_MESSAGES ?? 100_000);
const RUNS = Number(process.env.SEARCH_RUNS ?? 200);
const ROOMS = 50;
const PEOPLE = 200;
const VOCABULARY = 5000;
const HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";

/** A deterministic generator, so runs compare. */
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const words = Array.from({ length: VOCABULARY }, (_, i) => `w${i.toString(36)}`);
/** Zipf-like: word i is drawn about 1/(i+1) as often as word 0. */
const word = () => words[Math.min(VOCABULARY - 1, Math.floor(Math.exp(random() * Math.log(VOCABULARY + 1))) - 1)]!;
const hanzi = (n: number) => Array.from({ length: n }, () => HANZI[Math.floor(random() * HANZI.length)]).join("");

const dir = mkdtempSync(path.join(tmpdir(), "chat-search-bench-"));
const storage = new SqliteStorage({ path: path.join(dir, "chat.db"), logger: pino({ level: "silent" }) });
await storage.init();
const store = storage.messages;
const ids = createIdGenerator();
const person = (i: number) => ({ userId: `user${i}`, name: `user ${i}`, socketId: `socket${i}` });
const fillStart = performance.now();
// Written as many writers would, a batch in flight at a time: they share commits.
let inFlight: Promise<unknown>[] = [];
for (let i = 0; i < MESSAGES; i++) {
  const id = ids();
  const text = Array.from({ length: 4 + Math.floor(random() * 12) }, word).join(" ") + (i % 4 === 0 ? ` ${hanzi(8)}` : "");
  const from = person(Math.floor(random() * PEOPLE));
  const pick = random();
  const base = { id, from, text, createdAt: new Date().toISOString(), key: `srv-${id}` };
  let message: NewMessage;
  if (pick < 0.8) {
    const room = `room${Math.floor(random() * ROOMS)}`;
    message = { ...base, kind: "room", room, channel: roomChannel(room) };
  } else if (pick < 0.85) {
    message = { ...base, kind: "broadcast", channel: BROADCAST_CHANNEL };
  } else {
    const to = person(Math.floor(random() * PEOPLE));
    message = { ...base, kind: "private", to, channel: directChannel(from.userId, to.userId) };
  }
  inFlight.push(store.insert(message));
  if (inFlight.length === 256) {
    await Promise.all(inFlight);
    inFlight = [];
  }
}
await Promise.all(inFlight);
// Steady state: every message in the search index, as it is about 50 ms after it was stored.
await store.indexPending();
const fillSeconds = (performance.now() - fillStart) / 1000;

const asker = "user0";
const channels = [
  ...Array.from({ length: ROOMS }, (_, i) => roomChannel(`room${i}`)),
  BROADCAST_CHANNEL,
  ...Array.from({ length: 20 }, (_, i) => directChannel(asker, `user${i + 1}`)),
];
const kinds: [string, () => string][] = [
  ["common word (top 10)", () => words[Math.floor(random() * 10)]!],
  ["mid word (rank 100-1000)", () => words[100 + Math.floor(random() * 900)]!],
  ["rare word (rank 4000+)", () => words[4000 + Math.floor(random() * 1000)]!],
  ["common + rare word", () => `${words[Math.floor(random() * 10)]} ${words[4000 + Math.floor(random() * 1000)]}`],
  ["start of a mid word (3)", () => words[100 + Math.floor(random() * 900)]!.slice(0, 3)],
  ["one letter (prefix)", () => words[Math.floor(random() * 1000)]!.slice(0, 1)],
  ["two CJK characters", () => hanzi(2)],
  ["four CJK characters", () => hanzi(4)],
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
console.log(`search benchmark: ${MESSAGES} messages stored in ${fillSeconds.toFixed(1)} s; ${RUNS} searches per kind, newest 50, over ${channels.length} channels`);
for (const [kind, query] of kinds) {
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < RUNS; i++) {
    const matcher = searchMatcher(query());
    const t = performance.now();
    const { terms, phrases, matches } = matcher;
    const page = await store.search({ terms, phrases, channels, limit: 50, matches });
    times.push(performance.now() - t);
    found += page.messages.length;
  }
  times.sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(3);
  console.log(
    `${kind.padEnd(26)} p50 ${f(percentile(times, 0.5))} ms  p95 ${f(percentile(times, 0.95))} ms  p99 ${f(percentile(times, 0.99))} ms  max ${f(times.at(-1)!)} ms  (avg ${(found / RUNS).toFixed(1)} results)`,
  );
}
await storage.close();
rmSync(dir, { recursive: true, force: true });
