import { describe, expect, it } from "vitest";
import { searchMatcher, searchTerms } from "../../server/messages/search-terms.js";
import type { StoredMessage } from "../../server/messages/store.js";
import { TermIndex } from "../../server/messages/term-index.js";

const message = (i: number, text: string, channel = "room:a"): StoredMessage => ({
  id: i.toString(16).padStart(24, "0"),
  rev: i.toString(16).padStart(24, "0"),
  kind: "room",
  room: channel.slice("room:".length),
  from: { userId: "u", name: "u", socketId: "s" },
  text,
  createdAt: "2026-11-23T00:00:00.000Z",
  channel,
  key: `k${i}`,
  terms: searchTerms(text),
});

const search = (index: TermIndex, q: string, channels = ["room:a", "room:b"]) => {
  const { terms, matches } = searchMatcher(q);
  return index.search({ terms, channels, limit: 50, matches }, () => []).messages.map((m) => m.text);
};

describe("TermIndex", () => {
  it("when messages are removed, then they are no longer found, before and after the lists are compacted", () => {
    const index = new TermIndex();
    const all = Array.from({ length: 10 }, (_, i) => message(i + 1, `hello number${i}`));
    for (const m of all) index.add(m);
    index.remove(all[0]!);
    index.remove(all[1]!);
    expect(search(index, "hello")).toEqual(all.slice(2).map((m) => m.text).reverse());
    // Past half of the list removed: compacted, and the rest still found in order.
    for (const m of all.slice(2, 7)) index.remove(m);
    expect(search(index, "hello")).toEqual(["hello number9", "hello number8", "hello number7"]);
    expect(search(index, "number3")).toEqual([]);
    for (const m of all.slice(7)) index.remove(m);
    expect(search(index, "hello")).toEqual([]);
  });

  it("when a message is re-indexed under new terms that keep an old one, then it is found once under each current term only", () => {
    const index = new TermIndex();
    const edited = message(1, "hello old");
    const other = message(2, "hello there", "room:b");
    index.add(edited);
    index.add(other);
    // What the store does for an edit: remove under the old terms, change the text, add under the new.
    index.remove(edited);
    edited.text = "hello new";
    edited.terms = searchTerms(edited.text);
    index.add(edited);
    expect(search(index, "hello")).toEqual(["hello there", "hello new"]);
    expect(search(index, "old")).toEqual([]);
    expect(search(index, "new")).toEqual(["hello new"]);
  });

  it("when a removed message is added again, then it keeps its place in id order", () => {
    const index = new TermIndex();
    const [a, b, c] = [message(1, "word a1"), message(2, "word b2"), message(3, "word c3")];
    for (const m of [a, b, c]) index.add(m);
    index.remove(b);
    index.add(b);
    expect(search(index, "word")).toEqual(["word c3", "word b2", "word a1"]);
  });
});
