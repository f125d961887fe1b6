import { describe, expect, it } from "vitest";
import { searchMatcher, searchTerms } from "../../server/messages/search-terms.js";

describe("search terms", () => {
  it("when text has words, then terms are its distinct lower-cased words in order", () => {
    expect(searchTerms("Hello, WORLD! hello again... Ça va? 42")).toEqual(["hello", "world", "again", "ça", "va", "42"]);
  });

  it("when text is full-width or decomposed, then it normalises to the same terms", () => {
    expect(searchTerms("ＡＢＣ１２")).toEqual(["abc12"]);
    expect(searchTerms("Cafe\u0301")).toEqual(["café"]);
  });

  it("when text has CJK runs, then they become their characters and overlapping bigrams", () => {
    expect(searchTerms("東京都")).toEqual(["東", "京", "都", "東京", "京都"]);
    expect(searchTerms("猫")).toEqual(["猫"]);
    expect(searchTerms("abc東京def")).toEqual(["abc", "def", "東", "京", "東京"]);
    expect(searchTerms("すしを")).toEqual(["す", "し", "を", "すし", "しを"]);
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
