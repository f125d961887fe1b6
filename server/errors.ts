/**
 * One error type for expected failures, and one place that turns anything
 * thrown into a code a client may see.
 */
import type { Logger } from "./logger.js";
import type { AckError, ErrorCode } from "./protocol.js";

export class AppError extends Error {
  override name = "AppError";
  /**
   * @param code what the client is told
   * @param operational true for expected conditions (bad input, storage down);
   *   false marks a bug, logged at error level
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly operational = true,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Maps any thrown value to the error a client receives. Operational errors
 * pass through; everything else is logged and reported as INTERNAL, never
 * with its raw text.
 */
export function toAckError(err: unknown, logger: Logger, context: Record<string, unknown> = {}): AckError {
  if (err instanceof AppError) {
    if (!err.operational) logger.error({ err, ...context }, "unexpected failure");
    else if (err.code === "UNAVAILABLE" || err.code === "INTERNAL") logger.warn({ err, ...context }, err.message);
    return { code: err.code, message: err.message };
  }
  logger.error({ err, ...context }, "unhandled error in handler");
  return { code: "INTERNAL", message: "internal error" };
}
