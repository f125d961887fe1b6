/**
 * Message ids: 24 lowercase hex characters that sort, as strings, in
 * creation order — `<ms since epoch: 12><sequence: 6><process: 6>`.
 *
 * Within one process ids are strictly increasing even when the clock stalls
 * or steps back. Across processes they order by millisecond, and ties break
 * by process tag, so every node agrees on one total order.
 */
import { randomBytes } from "node:crypto";

export type IdGenerator = () => string;

export function createIdGenerator(now: () => number = Date.now): IdGenerator {
  const tag = randomBytes(3).toString("hex");
  let lastMs = 0;
  let seq = 0;
  return () => {
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      seq = 0;
    } else if (++seq > 0xffffff) {
      lastMs++;
      seq = 0;
    }
    return lastMs.toString(16).padStart(12, "0") + seq.toString(16).padStart(6, "0") + tag;
  };
}

/** The creation time encoded in an id. */
export function idTime(id: string): Date {
  return new Date(parseInt(id.slice(0, 12), 16));
}
