/** `join`, `leave`, `rooms`, and presence when a socket goes away. */
import { z } from "zod";
import type { RoomInfo } from "../protocol.js";
import { ackListener, limit } from "./ack.js";
import { fetchSocketsIn } from "./cluster.js";
import { announcePresence, roomMembers } from "./presence.js";
import { isRoomKey, roomKey, roomOfKey, type ChatSocket, type EventListeners, type HandlerContext, type SharedListener } from "./types.js";

export function roomHandlers(ctx: HandlerContext): EventListeners {
  const { io, messages, rooms: roomService, schemas, logger } = ctx;

  // The latest join of each room on a socket. A client that timed out waiting for
  // its join retries it while the first may still run; when that first one fails
  // after the retry succeeded, leaving the room would cut the socket off it unseen.
  // Made on a socket's first join (most sockets never join a room) and gone with the socket.
  const latestJoins = new WeakMap<ChatSocket, Map<string, number>>();
  // One counter for the server: an attempt is only ever compared with another of the same socket and room.
  let joins = 0;

  const join = ackListener(ctx, "join", z.tuple([schemas.room]), async (socket, [room]) => {
    limit(ctx, socket, "join");
    await roomService.ensureRoom(room);
    // Join before reading history: a message stored meanwhile then arrives
    // live, in the page, or both (clients dedupe by id) — never neither.
    const wasIn = socket.rooms.has(roomKey(room));
    const attempt = ++joins;
    let latestJoin = latestJoins.get(socket);
    if (!latestJoin) latestJoins.set(socket, (latestJoin = new Map()));
    latestJoin.set(room, attempt);
    await socket.join(roomKey(room));
    let history;
    try {
      history = await messages.history(socket.data.userId, { room, limit: 50 });
    } catch (err) {
      // Undo only our own join, and only while no later join of the room has started.
      if (!wasIn && latestJoin.get(room) === attempt) await socket.leave(roomKey(room));
      throw err;
    }
    const members = await roomMembers(io, room, logger);
    void announcePresence(io, room, logger);
    return { room, members, history: history.messages, hasMore: history.hasMore };
  });

  const leave = ackListener(ctx, "leave", z.tuple([schemas.room]), async (socket, [room]) => {
    limit(ctx, socket, "join");
    if (socket.rooms.has(roomKey(room))) {
      await socket.leave(roomKey(room));
      void announcePresence(io, room, logger);
    }
    return { room };
  });

  const rooms = ackListener(ctx, "rooms", z.tuple([]), async (socket) => {
    limit(ctx, socket, "rooms");
    const names = await roomService.list();
    const rooms: RoomInfo[] = await Promise.all(
      names.map(async (name) => ({ name, members: (await fetchSocketsIn(io, roomKey(name), logger)).length })),
    );
    const unread = await ctx.people.roomUnread(socket.data.userId, names);
    return { rooms: rooms.map((r) => (unread.has(r.name) ? { ...r, unread: unread.get(r.name)! } : r)) };
  });

  return { join, leave, rooms };
}

/**
 * The `disconnecting` listener: notes the chat rooms the socket is in, and
 * once it has left them (`disconnect`), tells those rooms who is in them now.
 */
export function presenceOnLeave(ctx: HandlerContext): SharedListener {
  const { io, logger } = ctx;
  return function (this: ChatSocket) {
    const leaving = [...this.rooms].filter(isRoomKey).map(roomOfKey);
    if (leaving.length === 0) return;
    this.once("disconnect", () => {
      for (const room of leaving) {
        announcePresence(io, room, logger).catch((err: unknown) => logger.warn({ err, room }, "presence update failed"));
      }
    });
  };
}
