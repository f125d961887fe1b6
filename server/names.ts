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
  /** Protocol v1.2: attachments one message carries. */
  attachmentsMax: 10,
} as const;

/** Rooms that always exist. */
export const DEFAULT_ROOMS = ["chat", "study"] as const;

/**
 * Letters of any script (with their combining marks, which scripts such as
 * Devanagari need), decimal digits of any script, and a few separators.
 * Not other numerals (①, ½, Ⅻ): they are symbols, not digits.
 */
const NAME_CHAR = String.raw`[\p{L}\p{M}\p{Nd} _.-]`;
const ROOM_CHAR = String.raw`[\p{L}\p{M}\p{Nd}_-]`;
export const NAME_PATTERN = new RegExp(`^${NAME_CHAR}+$`, "u");
export const ROOM_PATTERN = new RegExp(`^${ROOM_CHAR}+$`, "u");
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

/**
 * What is wrong with a name or room name, for telling a person in their own
 * language: its length in characters (`count`) is out of range, it holds a
 * character that is not allowed (`char`, the first one), or it has no letter
 * or digit.
 */
export type NameFault = { kind: "length"; count: number } | { kind: "character"; char: string } | { kind: "letter" };

const NAME_CHAR_ONLY = new RegExp(`^${NAME_CHAR}$`, "u");
const ROOM_CHAR_ONLY = new RegExp(`^${ROOM_CHAR}$`, "u");

function faultOf(value: string, max: number, allowed: RegExp): NameFault | null {
  const count = charCount(value);
  if (count < 1 || count > max) return { kind: "length", count };
  const char = [...value].find((c) => !allowed.test(c));
  if (char !== undefined) return { kind: "character", char };
  if (!HAS_LETTER_OR_DIGIT.test(value)) return { kind: "letter" };
  return null;
}

/** What is wrong with a display name (already trimmed), or null when it is fine. */
export function nameFault(name: string): NameFault | null {
  return faultOf(name, LIMITS.nameMax, NAME_CHAR_ONLY);
}

/** What is wrong with a room name, or null when it is fine. */
export function roomFault(room: string): NameFault | null {
  return faultOf(room, LIMITS.roomMax, ROOM_CHAR_ONLY);
}

/** Why a display name (already trimmed) is refused, or null when it is fine. */
export function nameProblem(name: string): string | null {
  const fault = nameFault(name);
  if (!fault) return null;
  if (fault.kind === "length") return `must be 1-${LIMITS.nameMax} characters`;
  if (fault.kind === "character") return "may contain letters, digits, spaces and _ . - only";
  return "must contain a letter or a digit";
}

/** Why a room name is refused, or null when it is fine. */
export function roomProblem(room: string): string | null {
  const fault = roomFault(room);
  if (!fault) return null;
  if (fault.kind === "length") return `must be 1-${LIMITS.roomMax} characters`;
  if (fault.kind === "character") return "may contain letters, digits, _ and - only";
  return "must contain a letter or a digit";
}

/** Usernames (accounts): 3–24 of A-Z a-z 0-9 _, kept lower-cased. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_]{3,24}$/;
/** Account passwords, in characters. */
export const PASSWORD_LIMITS = { min: 10, max: 200 } as const;

/** Why a username is refused, or null when it is fine. */
export function usernameProblem(username: string): string | null {
  if (username.length < 3 || username.length > 24) return "must be 3-24 characters";
  return USERNAME_PATTERN.test(username) ? null : "may contain A-Z a-z 0-9 and _ only";
}

/**
 * What a display name is compared by against usernames: NFKC, then lower
 * case, so "Teacher" and "ｔｅａｃｈｅｒ" (full-width) both read "teacher".
 * It names a username only when it has a username's shape.
 */
export function nameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

/** The username a display name would pass for, or undefined when it looks like none. */
export function usernameLookalike(name: string): string | undefined {
  const key = nameKey(name.trim());
  return USERNAME_PATTERN.test(key) ? key : undefined;
}
