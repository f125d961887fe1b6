/**
 * Builds the Express app: logging, security headers, static files, routes,
 * 404, one error handler. It never listens; bin/www owns the server.
 */
import { randomUUID } from "node:crypto";
import compression from "compression";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import type { Registry } from "prom-client";
import { BOOTSTRAP_PATH, loadAssetUrls } from "./assets.js";
import type { IdentityResolver } from "./auth/identity.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { metricsRouter } from "./metrics/metrics-route.js";
import { BOOTSTRAP_DIST, BUNDLE_DIR, PUBLIC_DIR, VIEWS_DIR } from "./paths.js";
import { accountRoutes } from "./routes/accounts.js";
import { healthRouter, type ReadinessCheck } from "./routes/health.js";
import { localeOf, pagesRouter } from "./routes/pages.js";
import type { AttachmentService, UploadResult } from "./attachments/attachment-service.js";
import { attachmentRoutes } from "./routes/attachments.js";
import type { AccountServices } from "./services.js";

export type AppDeps = {
  config: Config;
  logger: Logger;
  readiness: ReadinessCheck;
  metrics: Registry;
  accounts: AccountServices & { identity: IdentityResolver };
  /** Uploads and their bytes under /api/attachments; absent: no such routes. */
  attachments?: { service: AttachmentService; count: (result: UploadResult) => void };
};

/** Requests that are answered often and routinely: not worth a log line each (refusals still log). */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

export function createApp({ config, logger, readiness, metrics, accounts, attachments }: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("views", VIEWS_DIR);
  app.set("view engine", "ejs");
  // The hashed names of the built bundles, read once: throws now, at start-up, when they were not built.
  app.locals.assets = loadAssetUrls();

  app.use(
    pinoHttp({
      logger,
      // A random id per request, in every line about it (`reqId`) and in the response, to follow one client.
      genReqId: (_req, res) => {
        const id = randomUUID();
        res.setHeader("X-Request-Id", id);
        return id;
      },
      quietReqLogger: true,
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? "").split("?")[0]!) },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", "data:"],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );

  if (attachments) {
    // Before compression: attachments are served byte for byte, with exact lengths and ranges.
    app.use(
      "/api/attachments",
      attachmentRoutes({ ...attachments, identity: accounts.identity, allowedOrigins: config.allowedOrigins, logger }),
    );
  }

  // gzip or brotli, as the client accepts, for compressible types (HTML, JS, CSS, JSON, SVG, text) over 1 KiB.
  // Socket.IO answers its own requests on the http server before Express sees them, so it is not affected.
  app.use(compression());
  // Built files carry a content hash in their names (see server/assets.ts): cached for a year.
  const immutable = { index: false, immutable: true, maxAge: "1y" } as const;
  app.use(
    "/js",
    express.static(BUNDLE_DIR, {
      ...immutable,
      setHeaders: (res, file) => {
        // The manifest keeps its name from build to build.
        if (file.endsWith("manifest.json")) res.setHeader("Cache-Control", "no-cache");
      },
    }),
  );
  app.use(BOOTSTRAP_PATH, express.static(BOOTSTRAP_DIST, immutable));
  app.use(express.static(PUBLIC_DIR, { index: false }));
  app.use(
    "/api",
    accountRoutes({
      ...accounts,
      allowedOrigins: config.allowedOrigins,
      trustProxy: config.trustProxy,
      rpId: config.rpId,
      logger,
    }),
  );
  app.use(healthRouter(readiness));
  app.use(metricsRouter(metrics, config.metricsToken));
  app.use(pagesRouter({ maxTextLength: config.maxTextLength }));

  const notFound: RequestHandler = (req, res) => {
    const message = localeOf(req, res).t("page.notFound");
    res.status(404).render("error", { title: message, status: 404, message, detail: "" });
  };
  app.use(notFound);

  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const status = httpStatusOf(err);
    if (status >= 500) req.log.error({ err }, "request failed");
    const detail = config.env === "development" && err instanceof Error ? (err.stack ?? err.message) : "";
    const message = localeOf(req, res).t(status >= 500 ? "page.error" : "page.badRequest");
    res.status(status).render("error", { title: message, status, message, detail });
  };
  app.use(onError);
  return app;
}

function httpStatusOf(err: unknown): number {
  if (typeof err === "object" && err !== null && "status" in err && typeof err.status === "number") {
    return err.status >= 400 && err.status < 600 ? err.status : 500;
  }
  return 500;
}
