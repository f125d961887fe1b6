/**
 * Who may read a channel: the one module that decides it. History, the
 * change feed, search, read markers, reactions, edits, replies and mentions
 * all ask here, so that a privacy rule lives in one place.
 *
 * Rooms and broadcasts are public to everyone connected; a private
 * conversation belongs to its two people. A client never names a stored
 * channel directly: `{ with }` always means the viewer's own conversation,
 * so no input can reach someone else's private messages.
 */
import { AppError } from "../errors.js";
import type { ChatMessage } from "../protocol.js";
import { BROADCAST_CHANNEL, directChannel, roomChannel } from "./channel.js";

/** A conversation as a client names it. */
export type ChannelRef = { room: string } | { with: string } | { broadcast: true };

/**
 * The stored channel a viewer means by `ref`, which they may read.
 * A room must exist (NOT_FOUND otherwise).
 */
export async function readableChannel(
  viewerId: string,
  ref: ChannelRef,
  roomExists: (name: string) => Promise<boolean>,
): Promise<string> {
  if ("room" in ref) {
    if (!(await roomExists(ref.room))) throw new AppError("NOT_FOUND", `no room named ${ref.room}`);
    return roomChannel(ref.room);
  }
  if ("with" in ref) return directChannel(viewerId, ref.with);
  return BROADCAST_CHANNEL;
}

/**
 * Every channel a viewer may search when no channel is named: the rooms,
 * broadcasts, and the viewer's own conversations (by their stored channels,
 * as the people store lists them).
 */
export function searchableChannels(rooms: readonly string[], ownConversations: readonly string[]): string[] {
  return [...rooms.map(roomChannel), BROADCAST_CHANNEL, ...ownConversations];
}

/** Whether `viewerId` may read a stored message: any room message or broadcast, or a private one they are part of. */
export function canRead(viewerId: string, message: Pick<ChatMessage, "kind" | "from" | "to">): boolean {
  return message.kind !== "private" || message.from.userId === viewerId || message.to?.userId === viewerId;
}

/** The people among `userIds` who may read `message`, e.g. whom a mention may notify. */
export function readersAmong(message: Pick<ChatMessage, "kind" | "from" | "to">, userIds: readonly string[]): string[] {
  return userIds.filter((id) => canRead(id, message));
}

/**
 * Whether `viewerId` may read what is stored in `channel` (a stored channel
 * name): any room and broadcasts, or a private conversation of theirs.
 */
export function canReadChannel(viewerId: string, channel: string): boolean {
  if (!channel.startsWith("dm:")) return true;
  return channel.slice(3).split(":").includes(viewerId);
}
