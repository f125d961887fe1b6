/** The one logger. Nothing else writes to the console. */
import { pino, type DestinationStream, type Logger } from "pino";
import type { Config } from "./config.js";

export type { Logger };

/**
 * JSON lines on stdout (or `destination`). Secrets are removed wherever they
 * could travel: request headers, identity tokens, a Socket.IO handshake's `auth`.
 */
export function createLogger(config: Pick<Config, "logLevel" | "env">, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    base: undefined,
    redact: {
      paths: ["req.headers.cookie", "req.headers.authorization", "*.token", "*.auth", "handshake.auth"],
      remove: true,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
