/** `typing`: relayed to the rest of the room, never stored. */
import { z } from "zod";
import { AppError } from "../errors.js";
import { ackListener, limit } from "./ack.js";
import { roomKey, userOf, type EventListeners, type HandlerContext } from "./types.js";

export function typingHandlers(ctx: HandlerContext): EventListeners {
  const typing = ackListener(
    ctx,
    "typing",
    z.tuple([ctx.schemas.typing]),
    async (socket, [{ room, typing }]) => {
      if (!socket.rooms.has(roomKey(room))) throw new AppError("NOT_IN_ROOM", `join ${room} first`);
      limit(ctx, socket, "typing");
      // Volatile: worthless once late, so never buffered for connection-state recovery.
      socket.volatile.to(roomKey(room)).emit("typing", { room, user: userOf(socket), typing });
      return {};
    },
    { ackOptional: true },
  );
  return { typing };
}
