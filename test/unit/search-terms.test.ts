import { describe, expect, it } from "vitest";
import { snippet } from "../../public/src/highlight.js";
import { matchRanges, SEARCH_MAX_TERMS, searchMatcher, searchTerms } from "../../server/messages/search-terms.js";

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
  it("when the query has several words, then every one must start a word of the text, in any case", () => {
    const m = searchMatcher("Lunch NOON");
    expect(m.terms).toEqual(["lunch", "noon"]);
    expect(m.matches("noon is lunch time")).toBe(true);
    expect(m.matches("lunchbox at noontime")).toBe(true);
    expect(m.matches("lunch only")).toBe(false);
    expect(m.matches("brunch at afternoon")).toBe(false);
  });

  it("when a query word is the start of a word, then it matches; inside or past the end of one, it does not", () => {
    const meet = searchMatcher("meet");
    expect(meet.matches("Meeting tomorrow")).toBe(true);
    expect(meet.matches("let's MEET")).toBe(true);
    expect(meet.matches("greet and meat")).toBe(false);
    expect(searchMatcher("meeting").matches("meeting")).toBe(true);
    expect(searchMatcher("meeting").matches("meet")).toBe(false);
    expect(searchMatcher("eting").matches("meeting")).toBe(false);
    expect(searchMatcher("ＭＥＥ").matches("ｍｅｅｔｉｎｇ")).toBe(true);
    expect(searchMatcher("caf").matches("Cafe\u0301")).toBe(true);
  });

  it("when the query has no letter or digit, then it has no terms and nothing matches it", () => {
    for (const q of ["!!!", "   ?", ".*", "😀"]) {
      const m = searchMatcher(q);
      expect(m.terms, q).toEqual([]);
      expect(m.phrases, q).toEqual([]);
    }
    // Regular-expression syntax is just punctuation around words.
    expect(searchMatcher("(a+)+").terms).toEqual(["a"]);
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

describe("match ranges, for showing what matched", () => {
  /** The text with each range in brackets. */
  const marked = (text: string, q: string) => {
    let out = "";
    let at = 0;
    for (const [start, end] of matchRanges(text, q)) {
      out += `${text.slice(at, start)}[${text.slice(start, end)}]`;
      at = end;
    }
    return out + text.slice(at);
  };

  it("when a query word starts words of the text, then the start of each is marked, in the text's own case", () => {
    expect(marked("Meeting tomorrow, meet me there", "meet")).toBe("[Meet]ing tomorrow, [meet] me there");
    expect(marked("greet the meeting", "eting")).toBe("greet the meeting");
    expect(marked("meeting meet", "meet meeting")).toBe("[meeting] [meet]");
    expect(marked("Lunch at noon", "NOON lun")).toBe("[Lun]ch at [noon]");
  });

  it("when the text is full-width or decomposed, then the marks cover the characters that matched", () => {
    expect(marked("ＨＥＬＬＯ Ｗｏｒｌｄ", "hello wor")).toBe("[ＨＥＬＬＯ] [Ｗｏｒ]ｌｄ");
    expect(marked("Cafe\u0301 time", "café")).toBe("[Cafe\u0301] time");
    // A mark never parts from its letter.
    expect(marked("Cafe\u0301s", "cafe")).toBe("Cafe\u0301s");
    expect(marked("Cafe\u0301s", "caf")).toBe("[Caf]e\u0301s");
  });

  it("when the query has a CJK run, then each place it occurs is marked, however the text is spaced", () => {
    expect(marked("明日は東京都に行きます", "東京")).toBe("明日は[東京]都に行きます");
    expect(marked("读书会 书", "书")).toBe("读[书]会 [书]");
    expect(marked("abc𠀀𠀁", "𠀁")).toBe("abc𠀀[𠀁]");
    expect(marked("東京東京", "東京 京東")).toBe("[東京東京]");
  });

  it("when nothing matches or the query has no letter or digit, then nothing is marked", () => {
    expect(matchRanges("anything at all", "!!!")).toEqual([]);
    expect(matchRanges("anything at all", "zebra")).toEqual([]);
    expect(matchRanges("", "a")).toEqual([]);
  });
});

describe("result snippets", () => {
  /** The snippet as text with each match in brackets. */
  const shown = (text: string, q: string, max?: number) =>
    snippet(text, q, max)
      .map((p) => (p.match ? `[${p.text}]` : p.text))
      .join("");

  it("when the text is short and matches near its start, then all of it is shown with the matches marked", () => {
    expect(shown("Meeting tomorrow at noon", "meet noon")).toBe("[Meet]ing tomorrow at [noon]");
    expect(shown("line one\nmeet here", "meet")).toBe("line one\n[meet] here");
    expect(shown("nothing matched", "!!!")).toBe("nothing matched");
  });

  it("when the first match lies far into a long text, then the text is cut at a word shortly before it, and after", () => {
    const text = `${"filler words ".repeat(40)}the meeting is moved ${"and more words ".repeat(40)}`;
    const out = shown(text, "meeting", 120);
    expect(out.startsWith("…")).toBe(true);
    expect(out.endsWith("…")).toBe(true);
    expect(out).toContain("[meeting] is moved");
    // Cut at spaces, so no word is cut in two.
    expect(out).toMatch(/^…(filler|words) /);
    expect(out).toMatch(/ (and|more|words)…$/);
    expect(out.length).toBeLessThanOrEqual(120 + 4);
    expect(out.indexOf("[meeting]")).toBeLessThanOrEqual(62);
  });

  it("when the first match is a few lines down, then the snippet starts at its line", () => {
    expect(shown("a\nb\nc\nd\nthe meeting\ne", "meeting")).toBe("…the [meeting]\ne");
  });

  it("when a long text has no space to cut at, then it is cut by characters, never inside a character", () => {
    const text = `${"字".repeat(100)}東京${"𠀀".repeat(200)}`;
    const out = shown(text, "東京", 50);
    expect(out.startsWith("…")).toBe(true);
    expect(out).toContain("[東京]");
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});
