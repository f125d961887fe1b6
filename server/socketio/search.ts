/** `search` (protocol v1.1). */
import { z } from "zod";
import { limit, onAck } from "./ack.js";
import type { HandlerContext } from "./types.js";

export function registerSearchHandlers(ctx: HandlerContext): void {
  onAck(ctx, "search", z.tuple([ctx.schemas.search]), async ([query]) => {
    limit(ctx, "search");
    return ctx.search.search(ctx.socket.data.userId, query);
  });
}
