/** `join`, `leave`, `rooms` and `members`: answered from the cluster-wide view of who is where (membership.ts). */
import { z } from "zod";
import { AppError } from "../errors.js";
import type { RoomInfo } from "../protocol.js";
import { ackListener, limit } from "./ack.js";
import type { Membership } from "./membership.js";
import { roomKey, type ChatSocket, type EventListeners, type HandlerContext } from "./types.js";

export function roomHandlers(ctx: HandlerContext, membership: Membership): EventListeners {
  const { messages, rooms: roomService, schemas } = ctx;

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
    // Entering the room is what the room's presence reports (see membership.ts).
    await socket.join(roomKey(room));
    let history;
    try {
      history = await messages.history(socket.data.userId, { room, limit: 50 });
    } catch (err) {
      // Undo only our own join, and only while no later join of the room has started.
      if (!wasIn && latestJoin.get(room) === attempt) await socket.leave(roomKey(room));
      throw err;
    }
    return { room, ...membership.joinView(room), history: history.messages, hasMore: history.hasMore };
  });

  const leave = ackListener(ctx, "leave", z.tuple([schemas.room]), async (socket, [room]) => {
    limit(ctx, socket, "join");
    if (socket.rooms.has(roomKey(room))) await socket.leave(roomKey(room));
    return { room };
  });

  // No round trip to other nodes: every node holds the cluster's counts.
  const rooms = ackListener(ctx, "rooms", z.tuple([]), async (socket) => {
    limit(ctx, socket, "rooms");
    const names = await roomService.list();
    const unread = await ctx.people.roomUnread(socket.data.userId, names);
    const rooms: RoomInfo[] = names.map((name) => {
      const info: RoomInfo = { name, members: membership.count(name) };
      const n = unread.get(name);
      if (n !== undefined) info.unread = n;
      return info;
    });
    return { rooms };
  });

  const members = ackListener(ctx, "members", z.tuple([schemas.members]), async (socket, [{ room, after, limit: pageSize }]) => {
    limit(ctx, socket, "members");
    if (!(await roomService.exists(room))) throw new AppError("NOT_FOUND", `no room named ${room}`);
    return membership.people(room, after, pageSize);
  });

  return { join, leave, rooms, members };
}
