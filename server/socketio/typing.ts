/**
 * `typing`: relayed, never stored — to the rest of a room, or to the other
 * person of a private conversation (every socket of theirs, on any node).
 */
import { z } from "zod";
import { AppError } from "../errors.js";
import { ackListener, limit } from "./ack.js";
import { roomKey, userKey, userOf, type EventListeners, type HandlerContext } from "./types.js";

export function typingHandlers(ctx: HandlerContext): EventListeners {
  const typing = ackListener(
    ctx,
    "typing",
    z.tuple([ctx.schemas.typing]),
    async (socket, [input]) => {
      const { typing } = input;
      if ("room" in input) {
        const { room } = input;
        if (!socket.rooms.has(roomKey(room))) throw new AppError("NOT_IN_ROOM", `join ${room} first`);
        limit(ctx, socket, "typing");
        // Volatile: worthless once late, so never buffered for connection-state recovery.
        socket.volatile.to(roomKey(room)).emit("typing", { room, user: userOf(socket), typing });
        return {};
      }
      limit(ctx, socket, "typing");
      const { userId } = socket.data;
      // The same empty ack whether that person exists, is connected or not: nothing to learn from it.
      if (input.toUser !== userId) socket.volatile.to(userKey(input.toUser)).emit("typing", { with: userId, user: userOf(socket), typing });
      return {};
    },
    { ackOptional: true },
  );
  return { typing };
}
