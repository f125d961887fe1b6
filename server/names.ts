/**
 * The rules for names, room names and limits, as plain functions with no
 * dependencies, so the browser bundle can check input before sending it.
 * The zod schemas in protocol.ts are built on these.
 */
export const LIMITS = {
  nameMax: 24,
  roomMax: 32,
  textMax: 2000,
  clientIdMax: 64,
  historyDefault: 50,
  historyMax: 100,
  /** Protocol v1.1: mentions per message, search query length in characters. */
  mentionsMax: 20,
  searchMax: 100,
  /** Characters of the quoted text a reply keeps. */
  quoteMax: 140,
  /** Distinct emoji one message can carry as reactions. */
  reactionsMax: 20,
} as const;

/** Rooms that always exist. */
export const DEFAULT_ROOMS = ["chat", "study"] as const;

/**
 * Letters of any script (with their combining marks, which scripts such as
 * Devanagari need), decimal digits of any script, and a few separators.
 * Not other numerals (①, ½, Ⅻ): they are symbols, not digits.
 */
export const NAME_PATTERN = /^[\p{L}\p{M}\p{Nd} _.-]+$/u;
export const ROOM_PATTERN = /^[\p{L}\p{M}\p{Nd}_-]+$/u;
/** Something visible to tell people apart: at least one letter or digit, not only marks. */
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{Nd}]/u;

/** Length in characters (code points), so CJK and emoji count as one each. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export const lengthBetween =
  (min: number, max: number) =>
  (s: string): boolean => {
    const n = charCount(s);
    return n >= min && n <= max;
  };

/** Why a display name (already trimmed) is refused, or null when it is fine. */
export function nameProblem(name: string): string | null {
  if (!lengthBetween(1, LIMITS.nameMax)(name)) return `must be 1-${LIMITS.nameMax} characters`;
  if (!NAME_PATTERN.test(name)) return "may contain letters, digits, spaces and _ . - only";
  if (!HAS_LETTER_OR_DIGIT.test(name)) return "must contain a letter or a digit";
  return null;
}

/** Why a room name is refused, or null when it is fine. */
export function roomProblem(room: string): string | null {
  if (!lengthBetween(1, LIMITS.roomMax)(room)) return `must be 1-${LIMITS.roomMax} characters`;
  if (!ROOM_PATTERN.test(room)) return "may contain letters, digits, _ and - only";
  if (!HAS_LETTER_OR_DIGIT.test(room)) return "must contain a letter or a digit";
  return null;
}
