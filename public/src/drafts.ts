/**
 * What the composer keeps and measures: one unsent draft per person and
 * conversation, kept in localStorage across reloads (the most recent
 * DRAFTS_MAX, each cut to a little over the text limit), and a text's
 * length as the server counts it.
 */
import { charCount } from "../../server/names.js";

/** The part of `Storage` drafts use (a Map in tests). */
export type DraftStorage = {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
};

type Entry = { user: string; channel: string; text: string; at: number };

const STORAGE_KEY = "chat.drafts.v1";
/** Drafts kept per browser, all people together: the oldest go first. */
export const DRAFTS_MAX = 50;
/** Characters a kept draft may have beyond the text limit (it can be shortened later). */
export const DRAFT_SLACK = 500;

/** A text's length as the server counts it: code points, after trimming (an emoji or a Chinese character is one). */
export function textLength(text: string): number {
  return charCount(text.trim());
}

/** How a text stands against the limit: `near` from 90 % of it, `over` past it. */
export function limitState(text: string, max: number): { count: number; near: boolean; over: boolean } {
  const count = textLength(text);
  return { count, near: count >= Math.ceil(max * 0.9), over: count > max };
}

/** The first `n` code points of `text` (never a lone half of a surrogate pair). */
function firstCodePoints(text: string, n: number): string {
  if (text.length <= n) return text;
  let end = 0;
  let seen = 0;
  for (const char of text) {
    if (seen++ === n) break;
    end += char.length;
  }
  return text.slice(0, end);
}

export class Drafts {
  /** `textMax`: the server's text limit; a kept draft has at most DRAFT_SLACK characters more. */
  constructor(
    private readonly storage: DraftStorage,
    private readonly textMax: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The draft `user` left in `channel`, or "". */
  get(user: string, channel: string): string {
    return this.read().find((e) => e.user === user && e.channel === channel)?.text ?? "";
  }

  /** Keeps `text` as the draft of `user` in `channel`; an empty or blank text forgets it. */
  set(user: string, channel: string, text: string): void {
    if (!user || !channel) return;
    // Read again each time, so that drafts another tab kept meanwhile stay.
    const all = this.read();
    const others = all.filter((e) => e.user !== user || e.channel !== channel);
    if (text.trim() === "") {
      if (others.length !== all.length) this.write(others);
      return;
    }
    const entry = { user, channel, text: firstCodePoints(text, this.textMax + DRAFT_SLACK), at: this.now() };
    this.write([entry, ...others].sort((a, b) => b.at - a.at).slice(0, DRAFTS_MAX));
  }

  /** Forgets the draft of `user` in `channel` (it was sent). */
  clear(user: string, channel: string): void {
    this.set(user, channel, "");
  }

  private read(): Entry[] {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(STORAGE_KEY) ?? "[]");
      return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
    } catch {
      return [];
    }
  }

  private write(entries: Entry[]): void {
    try {
      if (entries.length === 0) this.storage.removeItem(STORAGE_KEY);
      else this.storage.setItem(STORAGE_KEY, JSON.stringify(entries));
    } catch {
      // Storage full or refused (private browsing): the draft lives on in the box until the page closes.
    }
  }
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e.user === "string" && typeof e.channel === "string" && typeof e.text === "string" && typeof e.at === "number";
}
