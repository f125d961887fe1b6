/**
 * Splits plain text into text and web links, so that a message can show its
 * URLs as links while every character still reaches the page as text.
 * Only http(s) links are made; anything else (javascript:, data:, …) stays text.
 */
export type Segment = { text: string; href?: string };

const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"'`，。！？、；：（）「」『』【】]+/giu;
const TRAILING = /[.,;:!?)\]}*_~]+$/u;

/** Text and link segments, in order; concatenating every `text` gives back the input. */
export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    let candidate = match[0];
    // Leave closing punctuation to the sentence, unless it closes a "(" in the link itself.
    const trail = TRAILING.exec(candidate);
    if (trail) {
      let cut = trail[0];
      while (cut.startsWith(")") && count(candidate.slice(0, -cut.length), "(") > count(candidate.slice(0, -cut.length), ")")) {
        cut = cut.slice(1);
      }
      candidate = candidate.slice(0, candidate.length - cut.length);
    }
    const href = safeHref(candidate);
    if (!href) continue;
    if (start > last) segments.push({ text: text.slice(last, start) });
    segments.push({ text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

function safeHref(candidate: string): string | undefined {
  try {
    const url = new URL(/^www\./i.test(candidate) ? `https://${candidate}` : candidate);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname ? url.href : undefined;
  } catch {
    return undefined;
  }
}
