/** Protocol v1.1: `edit`, `delete` and `react`. */
import { z } from "zod";
import type { ChangeService } from "../messages/change-service.js";
import { limit, onAck } from "./ack.js";
import type { HandlerContext } from "./types.js";

export function registerChangeHandlers(ctx: HandlerContext, changes: ChangeService): void {
  const { socket, schemas } = ctx;

  onAck(ctx, "edit", z.tuple([schemas.edit]), async ([{ id, text }]) => {
    limit(ctx, "change");
    return { message: await changes.edit(socket.data.userId, id, text) };
  });

  onAck(ctx, "delete", z.tuple([schemas.delete]), async ([{ id }]) => {
    limit(ctx, "change");
    return { message: await changes.delete(socket.data.userId, id) };
  });

  onAck(ctx, "react", z.tuple([schemas.react]), async ([{ id, emoji, on }]) => {
    limit(ctx, "change");
    return { message: await changes.react(socket.data.userId, id, emoji, on) };
  });
}
