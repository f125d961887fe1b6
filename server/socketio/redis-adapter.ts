/**
 * Scale-out over Redis with @socket.io/redis-streams-adapter: rooms,
 * broadcasts, presence, typing and private messages reach sockets on every
 * node, and connection-state recovery works across nodes.
 *
 * While Redis is down this node keeps serving its own clients: publishing
 * commands fail at once instead of waiting in node-redis's offline queue
 * (the adapter awaits the publish before delivering locally), while the
 * adapter's own reader connections keep the queue so they wait for Redis
 * instead of spinning.
 */
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { RedisFailureCounter, type FailureCounter } from "../accounts/failure-counter.js";
import type { Logger } from "../logger.js";
import { within } from "../within.js";

/** What the adapter runs on the main client (publishing, sessions, PUBSUB NUMSUB); its reads and subscriptions run on duplicates. */
const PUBLISHING = new Set(["xAdd", "publish", "sPublish", "set", "getDel", "xRange", "sendCommand"]);

export type RedisScaleOut = {
  /** Pass to `io.adapter(...)`. */
  adapter: ReturnType<typeof createAdapter>;
  isReady(): Promise<boolean>;
  /** Failure counts shared by every node (sign-in limits), in windows of `windowMs`. */
  failureCounter(windowMs: number): FailureCounter;
  close(): Promise<void>;
};

/**
 * @param onCommand called with the name of every command sent on the
 *   publishing connection (for `chat_redis_commands_total`)
 */
export async function createRedisScaleOut(
  url: string,
  prefix: string,
  logger: Logger,
  onCommand: (command: string) => void = () => {},
): Promise<RedisScaleOut> {
  const client = createClient({
    url,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
  let down = false;
  client.on("error", (err: Error) => {
    if (!down) logger.warn({ err: err.message }, "Redis connection lost; serving this node's clients only");
    down = true;
  });
  client.on("ready", () => {
    if (down) logger.info("Redis connection restored");
    down = false;
  });
  // Starts connecting; the server comes up (not ready) even when Redis is not there yet.
  client.connect().catch((err: unknown) => logger.warn({ err }, "Redis is not reachable yet; retrying"));

  const failFast = new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (typeof prop === "string" && PUBLISHING.has(prop)) {
        return (...args: unknown[]) => {
          if (!target.isReady) return Promise.reject(new Error("Redis is not connected"));
          onCommand(prop);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });

  const adapter = createAdapter(failFast, {
    streamName: `${prefix}:socket.io`,
    channelPrefix: `${prefix}:socket.io`,
    sessionKeyPrefix: `${prefix}:sio:session:`,
    blockTimeInMs: 2000,
  });

  return {
    adapter,
    async isReady() {
      if (!client.isReady) return false;
      try {
        return (await within(client.ping(), 1000, "timeout")) === "PONG";
      } catch {
        return false;
      }
    },
    failureCounter(windowMs) {
      return new RedisFailureCounter(client, prefix, windowMs);
    },
    async close() {
      // A client that is not connected would queue QUIT until Redis comes back: drop it instead.
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}
