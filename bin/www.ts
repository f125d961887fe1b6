#!/usr/bin/env node
/**
 * Starts the chat: creates the http server, hands it to the socketio module,
 * listens, and shuts down gracefully on SIGTERM / SIGINT.
 */
import { BundleMissingError } from "../server/assets.js";
import { ConfigError, loadConfig, type Config } from "../server/config.js";
import { createLogger } from "../server/logger.js";
import { StorageConfigError } from "../server/storage/storage.js";
import { createChatServer, type ChatApp } from "../server/server.js";

// Same check as scripts/check-node.mjs, for `node dist/bin/www.js` run directly: a plain message, not a stack trace.
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split(".").map(Number);
if (nodeMajor < 22 || (nodeMajor === 22 && nodeMinor < 13)) {
  process.stderr.write(`roomchat needs Node.js >= 22.13 (Node 24 LTS recommended); this is Node ${process.versions.node}. Install Node 24, or run \`. scripts/use-node.sh\` to fetch it into .tools/.\n`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
const logger = createLogger(config);

process.on("unhandledRejection", (reason) => {
  logger.error({ err: reason }, "unhandled promise rejection");
});
process.on("uncaughtException", (err) => {
  logger.fatal({ err }, "uncaught exception, exiting");
  process.exit(1);
});

const port = normalizePort(config.port);
if (port === false) {
  logger.fatal(`PORT must be a port number or a named pipe, got "${config.port}"`);
  process.exit(1);
}

let chat: ChatApp;
try {
  chat = await createChatServer({ config, logger });
} catch (err) {
  // Said in one line, not a stack trace: what is wrong and what to run.
  if (!(err instanceof StorageConfigError || err instanceof BundleMissingError)) throw err;
  logger.fatal(err.message);
  process.exit(1);
}
const server = chat.httpServer;
server.on("error", onError);
server.on("listening", onListening);
server.listen(port);

for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void shutdown(signal));

/** Normalizes a port into a number, a named pipe, or false. */
function normalizePort(value: string): number | string | false {
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n)) return value.length > 0 ? value : false;
  if (n >= 0 && n <= 65535 && String(n) === value.trim()) return n;
  return false;
}

function onError(error: NodeJS.ErrnoException): never {
  if (error.syscall !== "listen") throw error;
  const bind = typeof port === "string" ? `pipe ${port}` : `port ${port}`;
  switch (error.code) {
    case "EACCES":
      logger.fatal(`${bind} requires elevated privileges`);
      process.exit(1);
    // eslint-disable-next-line no-fallthrough
    case "EADDRINUSE":
      logger.fatal(`${bind} is already in use`);
      process.exit(1);
    // eslint-disable-next-line no-fallthrough
    default:
      throw error;
  }
}

function onListening(): void {
  const addr = server.address();
  const where = typeof addr === "string" ? `pipe ${addr}` : `http://localhost:${addr?.port}`;
  logger.info({ storage: chat.storage.kind }, `chat listening on ${where}`);
}

async function shutdown(signal: string): Promise<void> {
  logger.info({ signal }, "shutting down");
  setTimeout(() => {
    logger.error("shutdown took too long, exiting");
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  try {
    await chat.close();
    logger.info("shut down cleanly");
    process.exit(0);
  } catch (err) {
    logger.error({ err }, "error during shutdown");
    process.exit(1);
  }
}
