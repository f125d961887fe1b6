import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { directChannel, roomChannel } from "../../server/channels/channel.js";
import { createLogger } from "../../server/logger.js";
import type { NewMessage, SearchQuery } from "../../server/messages/message-store.js";
import { normalise, searchMatcher } from "../../server/messages/search-terms.js";
import {
  mayBeWord,
  SEARCH_MAX_CANDIDATES,
  SEARCH_MAX_SCANNED,
} from "../../server/messages/sqlite-message-store.js";
import { SqliteStorage } from "../../server/storage/sqlite-storage.js";
import { roomMessageBuilder } from "../helpers/messages.js";

const logger = createLogger({ logLevel: "silent", env: "test" });
const alice = { userId: "aliceAAAAAAAAAAA", name: "alice", socketId: "sockA" };
const bob = { userId: "bobBBBBBBBBBBBBB", name: "bob", socketId: "" };

const searchFor = (q: string, channels: string[], extra: Partial<SearchQuery> = {}): SearchQuery => {
  const m = searchMatcher(q);
  return { terms: m.terms, phrases: m.phrases, channels, limit: 10, matches: m.matches, ...extra };
};

describe("mayBeWord, the cheap test before `matches`", () => {
  it("when a query word follows ASCII letters or digits, then it is turned away; CJK runs are plain substrings", () => {
    expect(mayBeWord("meeting at noon", "meet")).toBe(true);
    expect(mayBeWord("meeting at noon", "eting")).toBe(false);
    expect(mayBeWord("greet", "eet")).toBe(false);
    expect(mayBeWord("let's meet, then", "meet")).toBe(true);
    expect(mayBeWord("meetmeet meet", "meet")).toBe(true);
    expect(mayBeWord("abc東京都def", "東京")).toBe(true);
    expect(mayBeWord("2024 in 東京", "20")).toBe(true);
    expect(mayBeWord("in 2024", "024")).toBe(false);
  });

  it("when `matches` accepts a text, then every phrase passes the cheap test too", () => {
    const piece = fc.constantFrom("meet", "meeting", "hi", "this", "東京", "東京都", "书", "读书会", "Ｈｉ", "é", "e\u0301", "42", " ", ", ", "-", "ok");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.array(piece, { minLength: 1, maxLength: 3 }), (textParts, queryParts) => {
        const text = textParts.join("");
        const m = searchMatcher(queryParts.join(" "));
        if (!m.matches(text)) return;
        for (const p of m.phrases) expect(mayBeWord(normalise(text), p)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("SQLite search", () => {
  let storage: SqliteStorage;
  const chat = roomChannel("chat");
  const other = roomChannel("other");
  const build = roomMessageBuilder(alice);
  /** Inserts many messages at once: they share transactions. */
  const insertAll = (messages: NewMessage[]) => Promise.all(messages.map((m) => storage.messages.insert(m)));

  beforeEach(async () => {
    storage = new SqliteStorage({ path: ":memory:", logger });
    await storage.init();
  });
  afterEach(async () => {
    await storage.close();
  });

  it("when newer matches lie in other channels, then later windows still find the asker's", async () => {
    const mine = await storage.messages.insert(build("meeting notes"));
    await insertAll(Array.from({ length: 700 }, (_, i) => build(`meeting ${i}`, { room: "other", channel: other })));
    expect((await storage.messages.search(searchFor("meeting", [chat]))).messages).toEqual([mine.message]);
  });

  it("when no match is among the newest SEARCH_MAX_CANDIDATES matches of the index, then the search gives up: nothing, and no more", async () => {
    await storage.messages.insert(build("meeting long ago"));
    await insertAll(Array.from({ length: SEARCH_MAX_CANDIDATES }, (_, i) => build(`meeting ${i}`, { room: "other", channel: other })));
    // Indexed now, as they are a moment after being stored: the index's bound is what is tested.
    await storage.messages.indexPending();
    expect(await storage.messages.search(searchFor("meeting", [chat]))).toEqual({ messages: [], hasMore: false });
    // Within the bound it is found.
    const recent = await storage.messages.insert(build("meeting now"));
    expect((await storage.messages.search(searchFor("meeting", [chat]))).messages).toEqual([recent.message]);
  }, 30_000);

  it("when a short query's match is older than the newest SEARCH_MAX_SCANNED messages of its channels, then it is not found", async () => {
    await storage.messages.insert(build("hi there"));
    await insertAll(Array.from({ length: SEARCH_MAX_SCANNED }, (_, i) => build(`nothing ${i}`)));
    expect(await storage.messages.search(searchFor("hi", [chat]))).toEqual({ messages: [], hasMore: false });
    const recent = await storage.messages.insert(build("hi again"));
    expect((await storage.messages.search(searchFor("hi", [chat]))).messages).toEqual([recent.message]);
  }, 30_000);

  it("when a query word starts words of indexed messages, then the trigram index finds them and the check keeps starts of words only", async () => {
    const stored = await insertAll(["meeting notes", "Greet the team", "a MEETUP", "meet", "sweeten it"].map((t) => build(t)));
    await storage.messages.indexPending();
    const texts = async (q: string) => (await storage.messages.search(searchFor(q, [chat]))).messages.map((m) => m.text);
    expect(stored).toHaveLength(5);
    expect(await texts("mee")).toEqual(["meet", "a MEETUP", "meeting notes"]);
    expect(await texts("meetu")).toEqual(["a MEETUP"]);
    expect(await texts("eet")).toEqual([]);
    expect(await texts("eting")).toEqual([]);
    expect(await texts("swe gre")).toEqual([]);
    expect(await texts("te")).toEqual(["Greet the team"]);
  });

  it("when a one-letter prefix's match is older than the newest SEARCH_MAX_SCANNED messages of its channels, then it is not found", async () => {
    await storage.messages.insert(build("meeting long ago"));
    await insertAll(Array.from({ length: SEARCH_MAX_SCANNED }, (_, i) => build(`nothing ${i}`)));
    expect(await storage.messages.search(searchFor("m", [chat]))).toEqual({ messages: [], hasMore: false });
    const recent = await storage.messages.insert(build("Monday then"));
    expect((await storage.messages.search(searchFor("m", [chat]))).messages).toEqual([recent.message]);
  }, 30_000);

  it("when a message is found, then it does not matter whether its indexing pass has run yet, nor whether it was edited or deleted before or after", async () => {
    const early = await storage.messages.insert(build("first agenda draft"));
    const gone = await storage.messages.insert(build("agenda to delete"));
    await storage.messages.indexPending();
    const late = await storage.messages.insert(build("second agenda draft"));
    const lateGone = await storage.messages.insert(build("agenda deleted early"));
    // `late` and `lateGone` are not in the index yet: the search reads them directly.
    expect((await storage.messages.search(searchFor("agenda", [chat]))).messages.map((m) => m.text)).toEqual([
      "agenda deleted early",
      "second agenda draft",
      "agenda to delete",
      "first agenda draft",
    ]);
    const at = new Date().toISOString();
    await storage.messages.change(early.message.id, { kind: "edit", text: "final schedule", at }, () => {});
    await storage.messages.change(late.message.id, { kind: "edit", text: "final plan", at }, () => {});
    await storage.messages.change(gone.message.id, { kind: "delete", at }, () => {});
    await storage.messages.change(lateGone.message.id, { kind: "delete", at }, () => {});
    const texts = async (q: string) => (await storage.messages.search(searchFor(q, [chat]))).messages.map((m) => m.text);
    for (const indexed of [false, true]) {
      expect(await texts("agenda"), `indexed: ${indexed}`).toEqual([]);
      expect(await texts("final"), `indexed: ${indexed}`).toEqual(["final plan", "final schedule"]);
      await storage.messages.indexPending();
    }
  });

  it("when a query holds FTS5 syntax, then it is taken as words", async () => {
    const stored = await storage.messages.insert(build('NEAR the "AND" gate, OR NOT*'));
    for (const q of ['"and"', "near OR", "NOT*", "gate)", "the AND"]) {
      expect((await storage.messages.search(searchFor(q, [chat]))).messages, q).toEqual([stored.message]);
    }
  });

  it("when searched in pages, then the pages agree with reading every message and confirming it", async () => {
    // A deterministic mix of channels, words, lengths and deletions; both search paths (indexed and recent).
    let seed = 7;
    /** mulberry32: a small seeded generator, so a failure can be replayed. */
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const words = ["hi", "ok", "meet", "meeting", "lunch", "東京", "東京都", "书", "读书会", "noon", "Hi!", "OK?"];
    const channels = [chat, other, roomChannel("third"), directChannel(alice.userId, bob.userId)];
    const messages = Array.from({ length: 600 }, () => {
      const channel = channels[random(channels.length)]!;
      const text = Array.from({ length: 1 + random(5) }, () => words[random(words.length)]).join(random(4) ? " " : "");
      return build(text, { channel, from: random(2) ? alice : bob });
    });
    const stored = (await insertAll(messages)).map((r) => r.message);
    const deleted = new Set<string>();
    for (const m of stored.filter((_, i) => i % 9 === 0)) {
      await storage.messages.change(m.id, { kind: "delete", at: new Date().toISOString() }, () => {});
      deleted.add(m.id);
    }
    const channelOf = new Map(messages.map((m) => [m.id, m.channel]));
    const asked = [chat, channels[3]!, roomChannel("third")];
    for (const q of ["hi", "ok hi", "meet", "meeting", "東京", "東京都", "书", "读书会 noon", "lunch meeting"]) {
      const matcher = searchMatcher(q);
      const expected = stored
        .filter((m) => asked.includes(channelOf.get(m.id)!) && !deleted.has(m.id) && matcher.matches(m.text))
        .map((m) => m.id)
        .reverse();
      const found: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await storage.messages.search(searchFor(q, asked, { limit: 7, before }));
        found.push(...page.messages.map((m) => m.id));
        if (!page.hasMore) break;
        before = page.messages.at(-1)!.id;
      }
      expect(expected.length, q).toBeGreaterThan(0);
      expect(found, q).toEqual(expected);
    }
  });
});
