/**
 * Message ids and revs: 24 lowercase hex characters that sort, as strings,
 * in the order they were made — `<ms since epoch: 12><sequence: 6><process: 6>`.
 *
 * Within one process values are strictly increasing even when the clock
 * stalls or steps back. Across processes they order by millisecond, and ties
 * break by process tag, so every node agrees on one total order.
 *
 * A generator can also be asked for a value greater than one it did not make
 * (`next(after)`): it then jumps past it and never comes back below it — a
 * hybrid logical clock. Revs use that to stay ahead of what other nodes, with
 * clocks that may run ahead of ours, wrote to the same channel.
 */
import { randomBytes } from "node:crypto";

/** Returns a new value, greater than every earlier one and than `after` when given. */
export type IdGenerator = (after?: string) => string;

const SEQ_MAX = 0xffffff;

export function createIdGenerator(now: () => number = Date.now): IdGenerator {
  const tag = randomBytes(3).toString("hex");
  let lastMs = 0;
  let seq = 0;
  return (after?: string) => {
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      seq = 0;
    } else if (++seq > SEQ_MAX) {
      lastMs++;
      seq = 0;
    }
    if (after !== undefined && format(lastMs, seq, tag) <= after) {
      // Continue right after `after`: same millisecond, next sequence number.
      lastMs = parseInt(after.slice(0, 12), 16);
      seq = parseInt(after.slice(12, 18), 16) + 1;
      if (seq > SEQ_MAX) {
        lastMs++;
        seq = 0;
      }
    }
    return format(lastMs, seq, tag);
  };
}

const format = (ms: number, seq: number, tag: string) =>
  ms.toString(16).padStart(12, "0") + seq.toString(16).padStart(6, "0") + tag;

/** The creation time encoded in an id. */
export function idTime(id: string): Date {
  return new Date(parseInt(id.slice(0, 12), 16));
}
