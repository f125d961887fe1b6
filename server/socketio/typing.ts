/** `typing`: relayed to the rest of the room, never stored. */
import { z } from "zod";
import { AppError } from "../errors.js";
import { limit, onAck } from "./ack.js";
import { roomKey, userOf, type HandlerContext } from "./types.js";

export function registerTypingHandlers(ctx: HandlerContext): void {
  const { socket, schemas } = ctx;
  const relay = async ([{ room, typing }]: [{ room: string; typing: boolean }]) => {
    if (!socket.rooms.has(roomKey(room))) throw new AppError("NOT_IN_ROOM", `join ${room} first`);
    limit(ctx, "typing");
    // Volatile: worthless once late, so never buffered for connection-state recovery.
    socket.volatile.to(roomKey(room)).emit("typing", { room, user: userOf(socket), typing });
    return {};
  };
  onAck(ctx, "typing", z.tuple([schemas.typing]), relay, { ackOptional: true });
}
