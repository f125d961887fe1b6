/**
 * Registers handlers for events that answer through an acknowledgement.
 * Payloads arrive untrusted: they are checked against the protocol schemas
 * before a handler sees them, and every outcome — success, a refused input,
 * a failure — goes back through the ack as `{ ok, ... }`.
 */
import type { z } from "zod";
import { AppError, toAckError } from "../errors.js";
import { describeIssues, type Ack } from "../protocol.js";
import type { HandlerContext } from "./types.js";

type RawListener = (...args: unknown[]) => void;
type RawSocket = { on(event: string, listener: RawListener): unknown };

/**
 * `args` validates the whole argument list (ack excluded), so extra
 * arguments are refused too. Without an ack the event is ignored and
 * counted, unless `ackOptional` is set.
 *
 * @example
 * onAck(ctx, "leave", z.tuple([roomSchema]), async ([room]) => ({ room }));
 */
export function onAck<S extends z.ZodType, R extends object>(
  ctx: HandlerContext,
  event: string,
  args: S,
  handler: (input: z.output<S>) => Promise<R>,
  options: { ackOptional?: boolean } = {},
): void {
  // Registered untyped on purpose: nothing from the wire is trusted until parsed.
  (ctx.socket as unknown as RawSocket).on(event, (...raw: unknown[]) => {
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
    void ctx.drain.track(run(ctx, event, args, raw, handler)).then((response) => ack?.(response));
  });
}

async function run<S extends z.ZodType, R extends object>(
  ctx: HandlerContext,
  event: string,
  args: S,
  raw: unknown[],
  handler: (input: z.output<S>) => Promise<R>,
): Promise<Ack<R>> {
  try {
    const parsed = args.safeParse(raw);
    if (!parsed.success) throw new AppError("INVALID_INPUT", describeIssues(parsed.error));
    return { ok: true, ...(await handler(parsed.data)) };
  } catch (err) {
    const error = toAckError(err, ctx.logger, { event, socketId: ctx.socket.id });
    ctx.metrics.ackErrors.inc({ event, code: error.code });
    return { ok: false, error };
  }
}

/** Throws RATE_LIMITED when the socket's user, or its address, has used up `action`'s bucket. */
export function limit(ctx: HandlerContext, action: string): void {
  if (!ctx.limiter.take(ctx.socket.data.userId, action) || !ctx.limiter.take(ctx.ip, `${action}@ip`)) {
    ctx.metrics.rateLimited.inc({ action });
    throw new AppError("RATE_LIMITED", `too many ${action} requests, slow down`);
  }
}
