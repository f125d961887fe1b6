import { describe, expect, it } from "vitest";
import { SEARCH_MAX_TERMS, searchMatcher, searchTerms } from "../../server/messages/search-terms.js";

describe("search terms", () => {
  it("when text has words, then terms are its distinct lower-cased words in order", () => {
    expect(searchTerms("Hello, WORLD! hello again... Ça va? 42")).toEqual(["hello", "world", "again", "ça", "va", "42"]);
  });

  it("when text is full-width or decomposed, then it normalises to the same terms", () => {
    expect(searchTerms("ＡＢＣ１２")).toEqual(["abc12"]);
    expect(searchTerms("Cafe\u0301")).toEqual(["café"]);
  });

  it("when text has CJK runs, then they become their characters and overlapping bigrams", () => {
    expect(searchTerms("東京都")).toEqual(["東", "京", "東京", "都", "京都"]);
    expect(searchTerms("猫")).toEqual(["猫"]);
    expect(searchTerms("abc東京def")).toEqual(["abc", "東", "京", "東京", "def"]);
    expect(searchTerms("すしを")).toEqual(["す", "し", "すし", "を", "しを"]);
  });

  it("when text has more distinct terms than the cap, then the first 200 in text order are kept", () => {
    expect(SEARCH_MAX_TERMS).toBe(200);
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`);
    const terms = searchTerms(`${words.join(" ")} ${words.join(" ")}`);
    expect(terms).toEqual(words.slice(0, 200));
    // A long CJK run keeps its first characters and bigrams, in the order they come.
    const han = Array.from({ length: 150 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join("");
    const cjk = searchTerms(`start ${han}`);
    expect(cjk).toHaveLength(200);
    expect(cjk.slice(0, 6)).toEqual(["start", "一", "丁", "一丁", "丂", "丁丂"]);
    // The first 100 characters keep every term a query for them looks up.
    expect(cjk.at(-1)).toBe(han.slice(98, 100));
    expect(searchTerms(words.slice(0, 199).join(" ") + " 東京")).toEqual([...words.slice(0, 199), "東"]);
  });

  it("when text has no letters or digits, then it has no terms", () => {
    expect(searchTerms("?! … 😀 -- ")).toEqual([]);
  });
});

describe("search matcher", () => {
  it("when the query has several words, then every one must be a word of the text, in any case", () => {
    const m = searchMatcher("Lunch NOON");
    expect(m.terms).toEqual(["lunch", "noon"]);
    expect(m.matches("noon is lunch time")).toBe(true);
    expect(m.matches("lunchbox at noon")).toBe(false);
    expect(m.matches("lunch only")).toBe(false);
  });

  it("when the query has a CJK run, then it must occur in the text as a substring", () => {
    const m = searchMatcher("東京都");
    expect(m.terms.sort()).toEqual(["京都", "東京"]);
    expect(m.matches("我住在東京都")).toBe(true);
    // Both bigrams are there, but not the run.
    expect(m.matches("京都和東京")).toBe(false);
  });

  it("when the query is one CJK character, then it is found inside longer runs too", () => {
    const m = searchMatcher("书");
    expect(m.terms).toEqual(["书"]);
    expect(searchTerms("周五的读书会").includes(m.terms[0]!)).toBe(true);
    expect(m.matches("周五的读书会")).toBe(true);
    expect(m.matches("周五的读报会")).toBe(false);
  });

  it("when terms are ordered, then the longest come first", () => {
    expect(searchMatcher("a abc ab").terms).toEqual(["abc", "ab", "a"]);
  });
});
