/** `join`, `leave`, `rooms`, and presence when a socket goes away. */
import { z } from "zod";
import type { RoomInfo } from "../protocol.js";
import { limit, onAck } from "./ack.js";
import { fetchSocketsIn } from "./cluster.js";
import { announcePresence, roomMembers } from "./presence.js";
import { isRoomKey, roomKey, roomOfKey, type HandlerContext } from "./types.js";

export function registerRoomHandlers(ctx: HandlerContext): void {
  const { io, socket, service, schemas, logger } = ctx;

  // The latest join of each room on this socket. A client that timed out waiting for
  // its join retries it while the first may still run; when that first one fails
  // after the retry succeeded, leaving the room would cut the socket off it unseen.
  const latestJoin = new Map<string, number>();
  let joins = 0;

  onAck(ctx, "join", z.tuple([schemas.room]), async ([room]) => {
    limit(ctx, "join");
    await service.ensureRoom(room);
    // Join before reading history: a message stored meanwhile then arrives
    // live, in the page, or both (clients dedupe by id) — never neither.
    const wasIn = socket.rooms.has(roomKey(room));
    const attempt = ++joins;
    latestJoin.set(room, attempt);
    await socket.join(roomKey(room));
    let history;
    try {
      history = await service.history(socket.data.userId, { room, limit: 50 });
    } catch (err) {
      // Undo only our own join, and only while no later join of the room has started.
      if (!wasIn && latestJoin.get(room) === attempt) await socket.leave(roomKey(room));
      throw err;
    }
    const members = await roomMembers(io, room, logger);
    void announcePresence(io, room, logger);
    return { room, members, history: history.messages, hasMore: history.hasMore };
  });

  onAck(ctx, "leave", z.tuple([schemas.room]), async ([room]) => {
    limit(ctx, "join");
    if (socket.rooms.has(roomKey(room))) {
      await socket.leave(roomKey(room));
      void announcePresence(io, room, logger);
    }
    return { room };
  });

  onAck(ctx, "rooms", z.tuple([]), async () => {
    limit(ctx, "rooms");
    const names = await service.listRooms();
    const rooms: RoomInfo[] = await Promise.all(
      names.map(async (name) => ({ name, members: (await fetchSocketsIn(io, roomKey(name), logger)).length })),
    );
    const unread = await ctx.people.roomUnread(socket.data.userId, names);
    return { rooms: rooms.map((r) => (unread.has(r.name) ? { ...r, unread: unread.get(r.name)! } : r)) };
  });

  let leaving: string[] = [];
  socket.on("disconnecting", () => {
    leaving = [...socket.rooms].filter(isRoomKey).map(roomOfKey);
  });
  socket.on("disconnect", () => {
    for (const room of leaving) {
      announcePresence(io, room, logger).catch((err: unknown) => logger.warn({ err, room }, "presence update failed"));
    }
  });
}
