/**
 * Runs a storage call within the shared concurrency bound and turns any
 * storage failure into UNAVAILABLE: the one place every service maps them.
 */
import { AppError } from "../errors.js";
import { QueueTimeoutError, type Limiter } from "./limiter.js";

export async function storageCall<T>(limiter: Limiter, call: () => Promise<T>): Promise<T> {
  try {
    return await limiter.run(call);
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof QueueTimeoutError) throw new AppError("UNAVAILABLE", "the server is busy, try again", true);
    throw new AppError("UNAVAILABLE", "storage is unavailable, try again", true, { cause: err });
  }
}
