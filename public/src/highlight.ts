/**
 * What a search result shows of its message: the part of the text around
 * the first match, with what the query matched marked. The matching is the
 * server's own (server/messages/search-terms.ts): a query word marks the
 * start of each word it starts, a Chinese or Japanese run each place it
 * occurs. Text only ever goes into lit-html text bindings.
 */
import { html, type TemplateResult } from "lit-html";
import { matchRanges } from "../../server/messages/search-terms.js";

/** Most characters of a text shown in a result; a longer text is cut around its first match. */
export const SNIPPET_MAX = 240;
/** Characters kept before the first match, at most (and at most a quarter of the snippet), when the text is cut there. */
const LEAD = 60;

/** A run of the shown text; `match` when the query matched it. */
export type Piece = { text: string; match: boolean };

const isLowSurrogate = (text: string, at: number) => {
  const c = text.charCodeAt(at);
  return c >= 0xdc00 && c <= 0xdfff;
};

/**
 * The part of `text` to show for query `q`, as pieces: from the start of the
 * text, unless the first match lies further than a short lead-in or two
 * lines in — then from the start of its line or a word shortly before it;
 * at most `max` characters, ending at a space where there is one. "…"
 * stands where the text was cut.
 */
export function snippet(text: string, q: string, max = SNIPPET_MAX): Piece[] {
  const ranges = matchRanges(text, q);
  const first = ranges[0]?.[0] ?? 0;
  const lead = Math.min(LEAD, Math.floor(max / 4));
  let start = 0;
  if (first > lead || text.slice(0, first).split("\n").length > 2) {
    start = Math.max(0, first - lead);
    const lineStart = text.lastIndexOf("\n", first - 1) + 1;
    if (lineStart > start) start = lineStart;
    else {
      // Start at a word, not inside one, when a space comes before the match.
      const space = text.slice(start, first).search(/\s\S/);
      if (space !== -1) start += space + 1;
    }
    if (isLowSurrogate(text, start)) start++;
  }
  let end = Math.min(text.length, start + max);
  if (end < text.length) {
    const space = text.lastIndexOf(" ", end);
    if (space > Math.max(start, ranges[0]?.[1] ?? first)) end = space;
    if (isLowSurrogate(text, end)) end--;
  }
  const pieces: Piece[] = [];
  if (start > 0) pieces.push({ text: "…", match: false });
  let at = start;
  for (const [from, to] of ranges) {
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (a >= b) continue;
    if (a > at) pieces.push({ text: text.slice(at, a), match: false });
    pieces.push({ text: text.slice(a, b), match: true });
    at = b;
  }
  if (end > at) pieces.push({ text: text.slice(at, end), match: false });
  if (end < text.length) pieces.push({ text: "…", match: false });
  return pieces;
}

/** The snippet of `text` for `q` with each match in a `<mark>`. */
export function highlighted(text: string, q: string): TemplateResult {
  return html`${snippet(text, q).map((p) => (p.match ? html`<mark>${p.text}</mark>` : p.text))}`;
}
