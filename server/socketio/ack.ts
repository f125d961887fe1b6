/**
 * Builds the listeners of events that answer through an acknowledgement.
 * Payloads arrive untrusted: they are checked against the protocol schemas
 * before a handler sees them, and every outcome — success, a refused input,
 * a failure — goes back through the ack as `{ ok, ... }`.
 */
import type { z } from "zod";
import { AppError, toAckError } from "../errors.js";
import { describeIssues, type Ack } from "../protocol.js";
import type { ChatSocket, HandlerContext, SharedListener } from "./types.js";

/**
 * The listener of one event. `args` validates the whole argument list (ack
 * excluded), so extra arguments are refused too. Without an ack the event is
 * ignored and counted, unless `ackOptional` is set.
 *
 * Built once per server, schema included, and shared by every socket: the
 * socket arrives as `this` (see SharedListener and router.ts).
 *
 * @example
 * const leave = ackListener(ctx, "leave", z.tuple([roomSchema]), async (socket, [room]) => ({ room }));
 */
export function ackListener<S extends z.ZodType, R extends object>(
  ctx: HandlerContext,
  event: string,
  args: S,
  handler: (socket: ChatSocket, input: z.output<S>) => Promise<R>,
  options: { ackOptional?: boolean } = {},
): SharedListener {
  // Untyped on purpose: nothing from the wire is trusted until parsed.
  return function (this: ChatSocket, ...raw: unknown[]) {
    const ack = typeof raw.at(-1) === "function" ? (raw.pop() as (response: Ack<R>) => void) : undefined;
    if (!ack && !options.ackOptional) {
      ctx.stats.missingAck++;
      return;
    }
    if (ctx.drain.draining) {
      ctx.metrics.ackErrors.inc({ event, code: "UNAVAILABLE" });
      ack?.({ ok: false, error: { code: "UNAVAILABLE", message: "the server is restarting, retry shortly" } });
      return;
    }
    // Tracked until the ack is handed to Socket.IO, so that a shutdown waits for it (see Drain).
    void ctx.drain.track(run(ctx, this, event, args, raw, handler).then((response) => ack?.(response)));
  };
}

async function run<S extends z.ZodType, R extends object>(
  ctx: HandlerContext,
  socket: ChatSocket,
  event: string,
  args: S,
  raw: unknown[],
  handler: (socket: ChatSocket, input: z.output<S>) => Promise<R>,
): Promise<Ack<R>> {
  try {
    const parsed = args.safeParse(raw);
    if (!parsed.success) throw new AppError("INVALID_INPUT", describeIssues(parsed.error));
    return { ok: true, ...(await handler(socket, parsed.data)) };
  } catch (err) {
    const error = toAckError(err, ctx.logger, { event, socketId: socket.id });
    ctx.metrics.ackErrors.inc({ event, code: error.code });
    return { ok: false, error };
  }
}

/** Throws RATE_LIMITED when the socket's user, or its address, has used up `action`'s bucket. */
export function limit(ctx: HandlerContext, socket: ChatSocket, action: string): void {
  if (
    !ctx.limiter.take(socket.data.userId, action) ||
    !ctx.limiter.take(ctx.addressOf(socket), `${action}@ip`)
  ) {
    ctx.metrics.rateLimited.inc({ action });
    throw new AppError("RATE_LIMITED", `too many ${action} requests, slow down`);
  }
}
