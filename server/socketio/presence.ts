/**
 * Who is in a room, as seen through the adapter (so it stays right when
 * several nodes share one adapter).
 */
import type { Presence, User } from "../protocol.js";
import { roomKey, userOf, type ChatServer } from "./types.js";

export async function roomMembers(io: ChatServer, room: string): Promise<User[]> {
  const sockets = await io.in(roomKey(room)).fetchSockets();
  return sockets.map(userOf);
}

/** Tells everyone in the room who is in it now. */
export async function announcePresence(io: ChatServer, room: string): Promise<void> {
  const presence: Presence = { room, members: await roomMembers(io, room) };
  io.to(roomKey(room)).emit("presence", presence);
}
