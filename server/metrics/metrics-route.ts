import { Router } from "express";
import type { Registry } from "prom-client";
import { metricsAccess } from "./metrics-access.js";

/**
 * `GET /metrics` in the Prometheus text format, for the clients
 * `metricsAccess` lets in. A refusal is logged with its reason and the
 * request id (never the presented token).
 */
export function metricsRouter(registry: Registry, token: string | undefined): Router {
  const router = Router();
  router.get("/metrics", async (req, res) => {
    const access = metricsAccess(req, token);
    if (!access.allowed) {
      req.log.warn({ reason: access.reason, ip: req.socket.remoteAddress, status: access.status }, "metrics request refused");
      if (access.status === 401) res.set("WWW-Authenticate", 'Bearer realm="metrics"');
      res.status(access.status).type("text/plain").send(access.status === 401 ? "Unauthorized\n" : "Forbidden\n");
      return;
    }
    const body = await registry.metrics();
    res.type(registry.contentType).set("Cache-Control", "no-store").send(body);
  });
  return router;
}
