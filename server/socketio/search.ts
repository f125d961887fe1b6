/** `search` (protocol v1.1). */
import { z } from "zod";
import { ackListener, limit } from "./ack.js";
import type { EventListeners, HandlerContext } from "./types.js";

export function searchHandlers(ctx: HandlerContext): EventListeners {
  const search = ackListener(ctx, "search", z.tuple([ctx.schemas.search]), async (socket, [query]) => {
    limit(ctx, socket, "search");
    return ctx.search.search(socket.data.userId, query);
  });
  return { search };
}
