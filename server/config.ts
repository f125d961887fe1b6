/**
 * Configuration: read from the environment once at start-up, validated, frozen.
 * Nothing else in the code base reads `process.env`.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { describeIssues, LIMITS } from "./protocol.js";

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.string().default("3000"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MONGODB_URI: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s.trim() : undefined))
    .refine((s) => s === undefined || /^mongodb(\+srv)?:\/\/[^/\s]+/.test(s), {
      message: "must look like mongodb://host[:port]/database",
    }),
  SESSION_SECRET: z.string().optional(),
  REDIS_URL: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s.trim() : undefined))
    .refine((s) => s === undefined || /^rediss?:\/\/\S+$/.test(s), { message: "must look like redis://host:port" }),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .default("chat"),
  ALLOWED_ORIGINS: z.string().default(""),
  MAX_TEXT_LENGTH: int(LIMITS.textMax, 1, 10_000),
  MAX_HTTP_BUFFER_SIZE: int(64 * 1024, 1024, 64 * 1024),
  RATE_LIMIT_BURST: int(20, 1, 10_000),
  RATE_LIMIT_PER_SECOND: int(5, 1, 10_000),
  RATE_LIMIT_PER_IP_FACTOR: int(10, 1, 1_000_000),
  MAX_CONNECTIONS_PER_IP: int(100, 1, 1_000_000),
  TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  STORE_MAX_CONCURRENCY: int(32, 1, 10_000),
  // Kept well under the clients' 10 s catch-up window (see public/src/delivery.ts).
  STORE_MAX_WAIT_MS: int(5000, 100, 5000),
  DATA_DIR: z
    .string()
    .default("./data")
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, { message: "must be a directory, or :memory:" }),
  MAX_ROOMS: int(1000, 2, 1_000_000),
  RECOVERY_MAX_PACKETS: int(10_000, 0, 10_000_000),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 120_000),
  MAX_UPLOAD_BYTES: int(10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
  ATTACHMENT_UNUSED_TTL_MS: int(60 * 60 * 1000, 1000, 30 * 24 * 60 * 60 * 1000),
  RP_ID: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s.trim().toLowerCase() : undefined))
    .refine((s) => s === undefined || /^[a-z0-9.-]{1,253}$/.test(s), { message: "must be a host name, e.g. chat.example.org" }),
  METRICS_TOKEN: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s.trim() : undefined))
    .refine((s) => s === undefined || /^[A-Za-z0-9._~+/=-]{32,256}$/.test(s), {
      message: "must be 32-256 characters of A-Z a-z 0-9 . _ ~ + / = - (e.g. `openssl rand -hex 32`)",
    }),
});

export type Config = Readonly<{
  env: "development" | "production" | "test";
  port: string;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  mongodbUri: string | undefined;
  /** Redis for running several nodes; unset = one process. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  redisPrefix: string;
  /** HMAC key for identity tokens. */
  sessionSecret: string;
  /** True when no secret was configured and a random one was made for this process. */
  sessionSecretGenerated: boolean;
  /** Extra origins allowed to connect; the page's own origin is always allowed. */
  allowedOrigins: readonly string[];
  maxTextLength: number;
  maxHttpBufferSize: number;
  /** Per user; every address also gets `perIpFactor` times each bucket, shared by its users. */
  rateLimit: Readonly<{ burst: number; perSecond: number; perIpFactor: number }>;
  maxConnectionsPerIp: number;
  /** Take the client address from X-Forwarded-For (only behind a reverse proxy you run). */
  trustProxy: boolean;
  /** Storage calls at once, and the longest a call waits for a turn before UNAVAILABLE. */
  storage: Readonly<{ maxConcurrent: number; maxWaitMs: number }>;
  /** Where the embedded SQLite database lives when MONGODB_URI is unset; ":memory:" keeps nothing. */
  dataDir: string;
  /** Rooms that may exist, the default ones included; joining a new one past it: FORBIDDEN. */
  maxRooms: number;
  shutdownTimeoutMs: number;
  /** Broadcast packets a node keeps to replay to sockets that reconnect (connection-state recovery). */
  recoveryMaxPackets: number;
  /** Bearer token `/metrics` requires; unset = only loopback clients may read it. */
  metricsToken: string | undefined;
  /** The WebAuthn relying party id (the site's host name) passkeys are made for; unset = the host of the page's origin. */
  rpId: string | undefined;
  /** Attachments: the largest upload in bytes, and how long an upload no message took is kept. */
  attachments: Readonly<{ maxBytes: number; unusedTtlMs: number }>;
}>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Validates an environment into a frozen Config.
 * @example loadConfig({ PORT: "0", LOG_LEVEL: "silent" })
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  const secret = e.SESSION_SECRET?.trim();
  if (secret !== undefined && secret.length > 0 && secret.length < 32) {
    throw new ConfigError("invalid configuration: SESSION_SECRET must be at least 32 characters");
  }
  if (!secret && e.NODE_ENV === "production") {
    throw new ConfigError("invalid configuration: SESSION_SECRET is required when NODE_ENV=production");
  }
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    mongodbUri: e.MONGODB_URI,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    sessionSecret: secret || randomBytes(32).toString("base64url"),
    sessionSecretGenerated: !secret,
    allowedOrigins: Object.freeze(
      e.ALLOWED_ORIGINS.split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    maxTextLength: e.MAX_TEXT_LENGTH,
    maxHttpBufferSize: e.MAX_HTTP_BUFFER_SIZE,
    rateLimit: Object.freeze({
      burst: e.RATE_LIMIT_BURST,
      perSecond: e.RATE_LIMIT_PER_SECOND,
      perIpFactor: e.RATE_LIMIT_PER_IP_FACTOR,
    }),
    maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
    trustProxy: e.TRUST_PROXY === "true",
    storage: Object.freeze({ maxConcurrent: e.STORE_MAX_CONCURRENCY, maxWaitMs: e.STORE_MAX_WAIT_MS }),
    dataDir: e.DATA_DIR,
    maxRooms: e.MAX_ROOMS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    recoveryMaxPackets: e.RECOVERY_MAX_PACKETS,
    metricsToken: e.METRICS_TOKEN,
    rpId: e.RP_ID,
    attachments: Object.freeze({ maxBytes: e.MAX_UPLOAD_BYTES, unusedTtlMs: e.ATTACHMENT_UNUSED_TTL_MS }),
  });
}
