/** A logger whose output a test can read back. */
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "../../server/logger.js";

export type LogEntry = { level: number; msg?: string; [k: string]: unknown };

/** A pino logger at "warn" whose output is kept in memory. */
export function memoryLogger(): { logger: Logger; entries: () => LogEntry[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const logger: Logger = pino({ level: "warn", base: undefined }, stream);
  const entries = () =>
    lines
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line) as LogEntry;
        } catch {
          return { level: 60, msg: `unparsable log line: ${line}` };
        }
      });
  return { logger, entries };
}
