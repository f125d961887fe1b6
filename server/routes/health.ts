import { Router } from "express";

export type ReadinessCheck = () => Promise<Record<string, boolean>>;

/**
 * `/healthz`: the process serves. `/readyz`: every dependency answers
 * (200 with the per-dependency status, else 503).
 */
export function healthRouter(readiness: ReadinessCheck): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const checks = await readiness().catch(() => ({ readiness: false }));
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", checks });
  });
  return router;
}
