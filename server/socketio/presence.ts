/**
 * Who is in a room, as seen through the adapter (so it stays right when
 * several nodes share one adapter).
 */
import type { Logger } from "../logger.js";
import type { Presence, User } from "../protocol.js";
import { fetchSocketsIn } from "./cluster.js";
import { roomKey, userOf, type ChatServer } from "./types.js";

export async function roomMembers(io: ChatServer, room: string, logger: Logger): Promise<User[]> {
  return (await fetchSocketsIn(io, roomKey(room), logger)).map(userOf);
}

/** Tells everyone in the room who is in it now. */
export async function announcePresence(io: ChatServer, room: string, logger: Logger): Promise<void> {
  const presence: Presence = { room, members: await roomMembers(io, room, logger) };
  io.to(roomKey(room)).emit("presence", presence);
}
