/**
 * The Prometheus metrics of one server instance. Every instance has its own
 * registry (never prom-client's global one), so several servers in one
 * process — as in the tests — keep separate counts, and each node exposes
 * exactly its own numbers for Prometheus to scrape.
 */
import { AUTH_METHODS, AUTH_RESULTS } from "../accounts/auth-outcomes.js";
import { UPLOAD_RESULTS, type UploadResult } from "../attachments/attachment-service.js";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Why a Socket.IO connection was refused (`chat_connections_refused_total{reason}`). */
export const REFUSAL_REASONS = ["origin", "cap", "draining", "invalid_auth", "unauthorized", "name_taken", "unavailable"] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Message kinds that are stored (`chat_messages_total{kind}`). */
const STORED_KINDS = ["room", "broadcast", "private"] as const;

/** Read at scrape time, so the gauges never drift from the truth. */
export type GaugeSources = {
  /** Connected sockets on this node. */
  sockets: () => number;
  /** Chat rooms with at least one socket on this node. */
  rooms: () => number;
  storeUp: () => Promise<boolean>;
  /** Absent when no Redis is configured: then `chat_redis_up` is not exported at all. */
  redisUp?: (() => Promise<boolean>) | undefined;
  /** Nodes this one hears from, itself included; absent (and not exported) without Redis. */
  clusterNodes?: (() => number) | undefined;
  /** Bytes of attachments stored (thumbnails included). */
  attachmentBytes?: (() => Promise<number>) | undefined;
};

export type ChatMetrics = {
  registry: Registry;
  messages: Counter<"kind">;
  deliveries: Counter;
  ackErrors: Counter<"event" | "code">;
  storeSeconds: Histogram<"op">;
  rateLimited: Counter<"action">;
  connectionsRefused: Counter<"reason">;
  /** Requests this node made to the other nodes and waited for (socket look-ups across the cluster). */
  clusterRequests: Counter;
  /** Commands this node sent to Redis on its publishing connection, by command (the adapter's stream reads excluded). */
  redisCommands: Counter<"command">;
  /** Sign-ups, sign-ins and their refusals, by method (password, passkey) and result. */
  auth: Counter<"method" | "result">;
  /** Uploads by how they ended (stored, too_large, unsupported, …). */
  attachmentUploads: Counter<"result">;
  /** Connects the scrape-time gauges to what they read; call once the server exists. */
  watch(sources: GaugeSources): void;
};

/**
 * Storage latency buckets, in seconds: from an embedded SQLite call (well under a
 * millisecond) to a database at the edge of STORE_MAX_WAIT_MS.
 */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Creates a registry with the default process/Node.js metrics and the chat's own.
 *
 * @example
 * const metrics = createChatMetrics();
 * metrics.watch({ sockets: () => io.of("/").sockets.size, rooms: () => 0, storeUp: () => store.isReady() });
 * res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
 */
export function createChatMetrics(): ChatMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let sources: GaugeSources | undefined;

  new Gauge({
    name: "chat_sockets",
    help: "Socket.IO connections on this node.",
    registers,
    collect() {
      this.set(sources?.sockets() ?? 0);
    },
  });
  new Gauge({
    name: "chat_rooms",
    help: "Chat rooms with at least one connected member on this node.",
    registers,
    collect() {
      this.set(sources?.rooms() ?? 0);
    },
  });
  new Gauge({
    name: "chat_store_up",
    help: "1 when message storage answers, else 0.",
    registers,
    async collect() {
      this.set((await sources?.storeUp().catch(() => false)) ? 1 : 0);
    },
  });

  const messages = new Counter({
    name: "chat_messages_total",
    help: "Messages stored by this node (repeats of an already stored clientId excluded).",
    labelNames: ["kind"] as const,
    registers,
  });
  for (const kind of STORED_KINDS) messages.inc({ kind }, 0);

  const connectionsRefused = new Counter({
    name: "chat_connections_refused_total",
    help: "Socket.IO connections refused, by reason.",
    labelNames: ["reason"] as const,
    registers,
  });
  for (const reason of REFUSAL_REASONS) connectionsRefused.inc({ reason }, 0);

  const auth = new Counter({
    name: "chat_auth_total",
    help: "Sign-ups and sign-ins, by method (password, passkey) and result (signed_up, signed_in, failed, rate_limited).",
    labelNames: ["method", "result"] as const,
    registers,
  });
  for (const method of AUTH_METHODS) for (const result of AUTH_RESULTS) auth.inc({ method, result }, 0);

  const attachmentUploads = new Counter({
    name: "chat_attachment_uploads_total",
    help: "Attachment uploads, by result (stored, too_large, unsupported, empty, invalid, unauthorized, rate_limited, failed).",
    labelNames: ["result"] as const,
    registers,
  });
  for (const result of UPLOAD_RESULTS) attachmentUploads.inc({ result: result satisfies UploadResult }, 0);

  return {
    registry,
    messages,
    attachmentUploads,
    connectionsRefused,
    auth,
    deliveries: new Counter({
      name: "chat_deliveries_total",
      help: "Chat messages written to sockets on this node (one per receiving socket).",
      registers,
    }),
    ackErrors: new Counter({
      name: "chat_ack_errors_total",
      help: "Requests answered with an error, by event and error code.",
      labelNames: ["event", "code"] as const,
      registers,
    }),
    storeSeconds: new Histogram({
      name: "chat_store_seconds",
      help: "Latency of storage calls, by store and method (e.g. messages.insert, people.setRead).",
      labelNames: ["op"] as const,
      buckets: STORE_BUCKETS,
      registers,
    }),
    clusterRequests: new Counter({
      name: "chat_cluster_requests_total",
      help: "Requests this node made to the other nodes and waited for (socket look-ups across the cluster).",
      registers,
    }),
    redisCommands: new Counter({
      name: "chat_redis_commands_total",
      help: "Commands sent to Redis on the publishing connection, by command (the adapter's stream reads excluded).",
      labelNames: ["command"] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: "chat_rate_limited_total",
      help: "Requests refused with RATE_LIMITED, by action.",
      labelNames: ["action"] as const,
      registers,
    }),
    watch(next) {
      sources = next;
      if (next.redisUp && !registry.getSingleMetric("chat_redis_up")) {
        new Gauge({
          name: "chat_redis_up",
          help: "1 when Redis (scale-out) answers, else 0.",
          registers,
          async collect() {
            this.set((await sources?.redisUp?.().catch(() => false)) ? 1 : 0);
          },
        });
      }
      if (next.attachmentBytes && !registry.getSingleMetric("chat_attachment_bytes")) {
        new Gauge({
          name: "chat_attachment_bytes",
          help: "Bytes of attachments stored, thumbnails included (this node's view of the shared storage).",
          registers,
          async collect() {
            this.set(await (sources?.attachmentBytes?.() ?? Promise.resolve(0)).catch(() => 0));
          },
        });
      }
      if (next.clusterNodes && !registry.getSingleMetric("chat_cluster_nodes")) {
        new Gauge({
          name: "chat_cluster_nodes",
          help: "Nodes this node hears from over Redis, itself included (their people count in rooms and presence).",
          registers,
          collect() {
            this.set(sources?.clusterNodes?.() ?? 1);
          },
        });
      }
    },
  };
}
