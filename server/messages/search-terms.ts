/**
 * The search normaliser: turns text into the `terms` stored on every message
 * and into the terms of a query, and confirms a candidate against its text.
 *
 * Words are runs of Unicode letters, marks and digits, lower-cased after NFKC
 * normalisation (so full-width "ＡＢＣ" is "abc"). Chinese, Japanese and Korean
 * are written without spaces, so a message's runs become their characters and
 * overlapping character bigrams ("東京都" → "東", "京", "東京", "都", "京都").
 * A query uses the bigrams of its runs (rarer, so fewer candidates), or the
 * character itself for a one-character run — so "书" finds "读书会".
 * A query matches a message when every query term is the start of one of the
 * message's terms (the index does that part) and, confirmed against the text,
 * every query word is the start of a word of the text ("meet" finds
 * "meeting" and "Meet", never "greet" or "eting") and every CJK run of the
 * query occurs in it as a substring. A CJK term is only ever the start of
 * itself or of a longer CJK term (whose characters are terms too), so the
 * same rule serves both.
 */

const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}`;
/** A CJK run, or a run of other letters, marks and digits. */
const TOKEN = new RegExp(String.raw`[${CJK}]+|(?:(?![${CJK}])[\p{L}\p{M}\p{N}])+`, "gu");
const CJK_RUN = new RegExp(String.raw`^[${CJK}]`, "u");
const MARK = /^\p{M}/u;

/** True for a CJK term (a character or a pair): it matches by equality, as no other term starts with it but longer CJK ones. */
export function isCjkTerm(term: string): boolean {
  return CJK_RUN.test(term);
}

type Tokens = { words: string[]; cjkRuns: string[] };

/** The form both the text and a query are compared in: NFKC, lower case. */
export function normalise(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

function tokenize(normalised: string): Tokens {
  const words: string[] = [];
  const cjkRuns: string[] = [];
  for (const [token] of normalised.matchAll(TOKEN)) (CJK_RUN.test(token) ? cjkRuns : words).push(token);
  return { words, cjkRuns };
}

/** Overlapping bigrams of a CJK run, by code point; a one-character run is itself. */
function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/**
 * Most search terms kept per message. A message's terms are stored and
 * indexed on MongoDB (one index entry each), so a very long message must not
 * add thousands of them; a message of MAX_TEXT_LENGTH characters in
 * ordinary prose has far fewer distinct words than this.
 */
export const SEARCH_MAX_TERMS = 200;

/** A CJK run's characters and bigrams in text order: each character, then the bigram it ends. */
function charsAndBigrams(run: string): string[] {
  const chars = [...run];
  return chars.flatMap((c, i) => (i === 0 ? [c] : [c, chars[i - 1]! + c]));
}

/**
 * The distinct search terms of a text, in the order they appear (in a CJK
 * run each character, then the bigram it ends), at most SEARCH_MAX_TERMS:
 * the words of a very long text past that are not among them. The one
 * function that computes a message's `terms`: call it again whenever the
 * text changes.
 *
 * @example searchTerms("Hello, 東京都!") // ["hello", "東", "京", "東京", "都", "京都"]
 */
export function searchTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const [token] of normalise(text).matchAll(TOKEN)) {
    for (const term of CJK_RUN.test(token) ? charsAndBigrams(token) : [token]) {
      terms.add(term);
      if (terms.size === SEARCH_MAX_TERMS) return [...terms];
    }
  }
  return [...terms];
}

/** A parsed search query: its terms (longest first, the likeliest to be rare) and its confirmation test. */
export type SearchMatcher = {
  /** Every match has, for each of these, a term that starts with it (see the module comment). */
  terms: string[];
  /**
   * The query's words and CJK runs, normalised: every match contains each of
   * them as a substring of its normalised text (what a substring index such
   * as SQLite's trigram FTS5 looks up).
   */
  phrases: string[];
  /** True when every word of the query starts a word of `text` and every CJK run of it is in `text` (see the module comment). */
  matches(text: string): boolean;
};

/** Parses a query; `terms` is empty when it has no letter or digit. */
export function searchMatcher(q: string): SearchMatcher {
  const { words, cjkRuns } = tokenize(normalise(q));
  const terms = [...new Set([...words, ...cjkRuns.flatMap(bigrams)])].sort((a, b) => [...b].length - [...a].length);
  return {
    terms,
    phrases: [...new Set([...words, ...cjkRuns])],
    matches(text) {
      const normalised = normalise(text);
      if (!cjkRuns.every((run) => normalised.includes(run))) return false;
      const own = [...new Set(tokenize(normalised).words)];
      return words.every((w) => own.some((word) => word.startsWith(w)));
    },
  };
}

/**
 * Where the query matched in a text, for showing it: the start and end
 * (UTF-16 offsets into `text` itself, not its normal form) of each part a
 * query word or CJK run matched, in text order and never overlapping — for
 * a word the start of each word of the text it starts ("meet" in
 * "Meeting"), for a CJK run each place it occurs. Empty when the query has
 * no letter or digit.
 *
 * @example matchRanges("Meeting at noon", "meet") // [[0, 4]]
 */
export function matchRanges(text: string, q: string): [number, number][] {
  const { words, cjkRuns } = tokenize(normalise(q));
  const ranges: [number, number][] = [];
  if (words.length === 0 && cjkRuns.length === 0) return ranges;
  for (const token of text.matchAll(TOKEN)) {
    const at = token.index;
    const chars = [...token[0]];
    // Each code point's offset in the token and in its normal form (one code point at a time):
    // a place in the normal form maps back to the code points it came from.
    const starts: number[] = [];
    const foldedStarts: number[] = [];
    let folded = "";
    for (let i = 0, offset = 0; i <= chars.length; offset += chars[i++]?.length ?? 0) {
      starts.push(offset);
      foldedStarts.push(folded.length);
      if (i < chars.length) folded += normalise(chars[i]!);
    }
    /** The text offset just past the code points from `first` whose normal form covers `length` characters. */
    /** Past the code points from `first` whose normal form covers `length` characters, and any marks on the last. */
    const endOf = (first: number, length: number): number => {
      let last = foldedStarts.findIndex((f) => f >= foldedStarts[first]! + length);
      if (last === -1) last = chars.length;
      while (last < chars.length && MARK.test(chars[last]!)) last++;
      return at + starts[last]!;
    };
    if (CJK_RUN.test(token[0])) {
      for (const run of cjkRuns) {
        for (let i = folded.indexOf(run); i !== -1; i = folded.indexOf(run, i + 1)) {
          const first = foldedStarts.findLastIndex((f) => f <= i);
          ranges.push([at + starts[first]!, endOf(first, i - foldedStarts[first]! + run.length)]);
        }
      }
    } else {
      const whole = normalise(token[0]);
      const word = words.filter((w) => whole.startsWith(w)).sort((a, b) => b.length - a.length)[0];
      if (word === undefined) continue;
      // The shortest start of the token whose normal form starts with the word ("Cafe\u0301" for "café").
      let end = 1;
      while (end < chars.length && !normalise(chars.slice(0, end).join("")).startsWith(word)) end++;
      ranges.push([at, endOf(0, foldedStarts[end]!)]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push(r);
  }
  return merged;
}
