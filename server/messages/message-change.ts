/**
 * The v1.1 changes a stored message can go through — edit, delete, react —
 * and the rules both stores share about them.
 */
import { LIMITS, type ChatMessage, type Reaction, type ReplyTo } from "../protocol.js";

export type MessageChange =
  | { kind: "edit"; text: string; at: string }
  | { kind: "delete"; at: string }
  | { kind: "react"; emoji: string; userId: string; on: boolean };

export type ChangeResult = { message: ChatMessage; changed: boolean };

/** What a change needs to know of the current state. */
type Current = { text: string; deletedAt?: string | undefined; reactions?: readonly Reaction[] | undefined };

/**
 * Whether applying `change` would alter the message. Repeats are no-ops: the
 * same text again, deleting a tombstone, reacting `on` twice or `off` when
 * not reacted — they keep the rev and notify nobody.
 */
export function wouldChange(current: Current, change: MessageChange): boolean {
  if (change.kind === "delete") return current.deletedAt === undefined;
  if (current.deletedAt !== undefined) return false;
  if (change.kind === "edit") return change.text !== current.text;
  const has = current.reactions?.some((r) => r.emoji === change.emoji && r.userIds.includes(change.userId)) ?? false;
  return has !== change.on;
}

/** Reactions as clients see them: order of first use, no empty entries, absent when none. */
export function visibleReactions(reactions: readonly Reaction[] | undefined): { reactions?: Reaction[] } {
  const shown = (reactions ?? []).filter((r) => r.userIds.length > 0).map((r) => ({ emoji: r.emoji, userIds: [...r.userIds] }));
  return shown.length > 0 ? { reactions: shown } : {};
}

/** What a quote becomes once the message it quotes is deleted: its author stays, its text goes. */
export function withdrawnQuote(quote: ReplyTo): ReplyTo {
  return { id: quote.id, from: { ...quote.from }, text: "", deleted: true };
}

/**
 * Whether a reaction would add an emoji to a message that already carries
 * LIMITS.reactionsMax distinct ones (emptied entries do not count). Adding
 * oneself to an emoji already there is always allowed.
 */
export function tooManyReactions(current: Current, change: MessageChange): boolean {
  if (change.kind !== "react" || !change.on) return false;
  const shown = (current.reactions ?? []).filter((r) => r.userIds.length > 0);
  return shown.length >= LIMITS.reactionsMax && !shown.some((r) => r.emoji === change.emoji);
}

/**
 * The emptied reaction entries a store drops when `change` adds a new emoji
 * to a message that already stores LIMITS.reactionsMax entries. Emptied
 * entries are kept so that an emoji taken back and given again keeps the
 * place of its first use; dropping them once the limit is reached keeps the
 * stored entries within the limit, however often emoji come and go.
 */
export function emptiedToDrop(current: Current, change: MessageChange): string[] {
  if (change.kind !== "react" || !change.on) return [];
  const stored = current.reactions ?? [];
  if (stored.length < LIMITS.reactionsMax || stored.some((r) => r.emoji === change.emoji)) return [];
  return stored.filter((r) => r.userIds.length === 0).map((r) => r.emoji);
}

/** The snapshot a reply keeps of the message it quotes: its text cut to LIMITS.quoteMax characters. */
export function quoteOf(message: ChatMessage): ReplyTo {
  return { id: message.id, from: { ...message.from }, text: [...message.text].slice(0, LIMITS.quoteMax).join("") };
}
