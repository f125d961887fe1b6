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
 * A query matches a message when every query term is among the message's
 * terms (the index does that part) and, confirmed against the text, every
 * query word is a word of the text and every CJK run of the query occurs in
 * it as a substring.
 */

const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}`;
/** A CJK run, or a run of other letters, marks and digits. */
const TOKEN = new RegExp(String.raw`[${CJK}]+|(?:(?![${CJK}])[\p{L}\p{M}\p{N}])+`, "gu");
const CJK_RUN = new RegExp(String.raw`^[${CJK}]`, "u");

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
  terms: string[];
  /**
   * The query's words and CJK runs, normalised: every match contains each of
   * them as a substring of its normalised text (what a substring index such
   * as SQLite's trigram FTS5 looks up).
   */
  phrases: string[];
  /** True when `text` really contains every word of the query (see the module comment). */
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
      const own = new Set(tokenize(normalised).words);
      return words.every((w) => own.has(w)) && cjkRuns.every((run) => normalised.includes(run));
    },
  };
}
