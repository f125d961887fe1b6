/** Protocol v1.1: `edit`, `delete` and `react`. */
import { z } from "zod";
import { ackListener, limit } from "./ack.js";
import type { EventListeners, HandlerContext } from "./types.js";

export function changeHandlers(ctx: HandlerContext): EventListeners {
  const { changes, schemas } = ctx;

  const edit = ackListener(ctx, "edit", z.tuple([schemas.edit]), async (socket, [{ id, text }]) => {
    limit(ctx, socket, "change");
    return { message: await changes.edit(socket.data.userId, id, text) };
  });

  const del = ackListener(ctx, "delete", z.tuple([schemas.delete]), async (socket, [{ id }]) => {
    limit(ctx, socket, "change");
    return { message: await changes.delete(socket.data.userId, id) };
  });

  const react = ackListener(ctx, "react", z.tuple([schemas.react]), async (socket, [{ id, emoji, on }]) => {
    limit(ctx, socket, "change");
    return { message: await changes.react(socket.data.userId, id, emoji, on) };
  });

  return { edit, delete: del, react };
}
