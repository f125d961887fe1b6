/** The one logger. Nothing else writes to the console. */
import { pino, type Logger } from "pino";
import type { Config } from "./config.js";

export type { Logger };

export function createLogger(config: Pick<Config, "logLevel" | "env">): Logger {
  return pino({
    level: config.logLevel,
    base: undefined,
    redact: { paths: ["req.headers.cookie", "req.headers.authorization", "*.token"], remove: true },
  });
}
