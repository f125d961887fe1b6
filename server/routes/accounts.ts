/**
 * The accounts routes (protocol v1.2, docs/protocol.md "accounts"): JSON
 * over HTTP, same origin. Every state-changing request passes `apiGuard`
 * (an Origin that is not allowed, or a body that is not JSON: 403), so a
 * form or a script on another site cannot act with a visitor's cookie; the
 * cookie is also SameSite=Lax. Identity comes from the session cookie or a
 * Bearer token (guest or account). Errors are `{ error: { code, message } }`.
 */
import express, { Router, type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { AccountError } from "../accounts/account-error.js";
import type { AccountService, Issued, Origin, SignedIn } from "../accounts/account-service.js";
import { describeDevice } from "../accounts/devices.js";
import type { PasskeyService, RelyingParty } from "../accounts/passkey-service.js";
import { CHALLENGE_TTL_MS } from "../accounts/passkey-service.js";
import { presentedToken, SESSION_COOKIE, type Identity, type IdentityResolver } from "../auth/identity.js";
import { clientAddress, cookieOf, overTls } from "../http/request.js";
import type { Logger } from "../logger.js";
import { originAllowed } from "../socketio/origin.js";

/** A signed-in browser stays signed in this long without signing in again. */
export const SESSION_COOKIE_MAX_AGE_MS = 180 * 24 * 60 * 60 * 1000;
/** Where a passkey ceremony's challenge id waits between its two requests. */
const CHALLENGE_COOKIE = "chat_webauthn";
const CHALLENGE_PATH = "/api/passkeys";
/** Largest JSON body any of these routes takes. */
export const JSON_LIMIT = "16kb";

export type AccountRoutesDeps = {
  accounts: AccountService;
  passkeys: PasskeyService;
  identity: IdentityResolver;
  allowedOrigins: readonly string[];
  trustProxy: boolean;
  /** The WebAuthn relying party id; unset = the host name of the page's origin. */
  rpId: string | undefined;
  logger: Logger;
};

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * Refuses (403) a state-changing request under /api/ whose Origin is present
 * and not allowed, and one with a body that is not `application/json`
 * (what an HTML form on another site would send). `bodyless` lists paths
 * whose POSTs carry no JSON (uploads).
 */
export function apiGuard(allowedOrigins: readonly string[], bodyless: readonly string[] = []): RequestHandler {
  return (req, res, next) => {
    if (!STATE_CHANGING.has(req.method)) return next();
    if (!originAllowed(req, allowedOrigins)) return sendError(res, new AccountError("FORBIDDEN", "origin not allowed"));
    if (WITH_BODY.has(req.method) && !bodyless.includes(req.path) && !req.is("application/json")) {
      return sendError(res, new AccountError("FORBIDDEN", "the body must be application/json"));
    }
    next();
  };
}

export function sendError(res: Response, err: AccountError): void {
  if (err.retryAfterS !== undefined) res.setHeader("Retry-After", String(err.retryAfterS));
  res.status(err.status).json({ error: { code: err.code, message: err.message } });
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** Runs an async route, sending AccountErrors as answers and anything else to the error handler. */
const route =
  (handler: Handler): RequestHandler =>
  (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch((err: unknown) => (err instanceof AccountError ? sendError(res, err) : next(err)));
  };

/** The request's JSON body as an object (not an array, not a primitive), or INVALID_INPUT. */
function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AccountError("INVALID_INPUT", "the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Only these keys, or INVALID_INPUT naming the first other one. */
function only(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const extra = Object.keys(body).find((k) => !keys.includes(k));
  if (extra !== undefined) throw new AccountError("INVALID_INPUT", `unexpected field: ${extra.slice(0, 40)}`);
  return body;
}

export function accountRoutes(deps: AccountRoutesDeps): Router {
  const { accounts, passkeys, identity } = deps;
  const router = Router();
  router.use(apiGuard(deps.allowedOrigins));
  router.use(express.json({ limit: JSON_LIMIT, strict: false }));

  const originOf = (req: Request): Origin => ({
    address: clientAddress(req, deps.trustProxy),
    device: describeDevice(req.headers["user-agent"]),
  });

  const cookieOptions = (req: Request) =>
    ({ httpOnly: true, sameSite: "lax", secure: overTls(req, deps.trustProxy), path: "/" }) as const;

  /** The token a request presents: its Bearer header first, then the session cookie. */
  const tokenOf = (req: Request): { token: string | undefined; fromCookie: boolean } => {
    const presented = presentedToken(req);
    if (!presented) throw new AccountError("UNAUTHORIZED", "malformed Authorization header");
    return presented;
  };

  /**
   * Who is asking: undefined without a token; 401 for a token that is no
   * good. A session cookie that is no good (its session ended on another
   * device) is cleared in the answer, so the browser is a guest again.
   */
  const whoIs = async (req: Request, res: Response): Promise<Identity | undefined> => {
    const { token, fromCookie } = tokenOf(req);
    if (token === undefined || token === "") return undefined;
    const who = await identity.resolve(token);
    if (!who) {
      if (fromCookie) res.clearCookie(SESSION_COOKIE, cookieOptions(req));
      throw new AccountError("UNAUTHORIZED", "this identity is no longer valid; sign in again");
    }
    return who;
  };

  const signedIn = async (req: Request, res: Response): Promise<SignedIn> => {
    const who = await whoIs(req, res);
    if (who?.kind !== "account") throw new AccountError("UNAUTHORIZED", "not signed in");
    return who;
  };

  const issue = (req: Request, res: Response, status: number, issued: Issued) => {
    res.cookie(SESSION_COOKIE, issued.token, { ...cookieOptions(req), maxAge: SESSION_COOKIE_MAX_AGE_MS });
    res.setHeader("Cache-Control", "no-store");
    const { userId, username, name, token } = issued;
    res.status(status).json({ userId, username, name, token });
  };

  const relyingParty = (req: Request): RelyingParty => {
    const origin = req.headers.origin;
    if (typeof origin !== "string") throw new AccountError("INVALID_INPUT", "passkeys need the page's Origin header");
    let host: string;
    try {
      host = new URL(origin).hostname;
    } catch {
      throw new AccountError("INVALID_INPUT", "malformed Origin header");
    }
    return { origin, rpId: deps.rpId ?? host };
  };

  const rememberChallenge = (req: Request, res: Response, id: string) =>
    res.cookie(CHALLENGE_COOKIE, id, { httpOnly: true, sameSite: "strict", secure: overTls(req, deps.trustProxy), path: CHALLENGE_PATH, maxAge: CHALLENGE_TTL_MS });
  const takeChallenge = (req: Request, res: Response) => {
    res.clearCookie(CHALLENGE_COOKIE, { path: CHALLENGE_PATH });
    return cookieOf(req, CHALLENGE_COOKIE);
  };

  const guestOf = (who: Identity | undefined) => (who?.kind === "guest" ? who.userId : undefined);

  router.post(
    "/accounts",
    route(async (req, res) => {
      const body = only(bodyOf(req), ["username", "password", "name"]);
      const who = await whoIs(req, res);
      const issued = await accounts.signUp({ username: body.username, password: body.password, name: body.name }, guestOf(who), originOf(req));
      issue(req, res, 201, issued);
    }),
  );

  router.post(
    "/session",
    route(async (req, res) => {
      const body = only(bodyOf(req), ["username", "password"]);
      issue(req, res, 200, await accounts.signIn({ username: body.username, password: body.password }, originOf(req)));
    }),
  );

  router.get(
    "/session",
    route(async (req, res) => {
      const who = await signedIn(req, res);
      res.setHeader("Cache-Control", "no-store");
      res.json({ userId: who.userId, username: who.username, name: who.name });
    }),
  );

  router.delete(
    "/session",
    route(async (req, res) => {
      let who: Identity | undefined;
      try {
        who = await whoIs(req, res);
      } catch (err) {
        // Signing out with a token that is already no good: done already.
        if (!(err instanceof AccountError && err.code === "UNAUTHORIZED")) throw err;
      }
      if (who?.kind === "account") await accounts.signOut(who);
      res.clearCookie(SESSION_COOKIE, cookieOptions(req));
      res.status(204).end();
    }),
  );

  router.get(
    "/account",
    route(async (req, res) => {
      res.setHeader("Cache-Control", "no-store");
      res.json(await accounts.account(await signedIn(req, res)));
    }),
  );

  router.patch(
    "/account",
    route(async (req, res) => {
      const who = await signedIn(req, res);
      const body = only(bodyOf(req), ["name"]);
      res.json(await accounts.rename(who, body.name));
    }),
  );

  router.put(
    "/account/password",
    route(async (req, res) => {
      const who = await signedIn(req, res);
      const body = only(bodyOf(req), ["current", "password"]);
      await accounts.changePassword(who, { current: body.current, password: body.password }, originOf(req));
      res.status(204).end();
    }),
  );

  router.get(
    "/sessions",
    route(async (req, res) => {
      res.setHeader("Cache-Control", "no-store");
      res.json({ sessions: await accounts.sessions(await signedIn(req, res)) });
    }),
  );

  router.delete(
    "/sessions/:id",
    route(async (req, res) => {
      const who = await signedIn(req, res);
      const id = String(req.params.id);
      if (!(await accounts.endSession(who.userId, id))) throw new AccountError("NOT_FOUND", "no such session");
      if (id === who.sessionId) res.clearCookie(SESSION_COOKIE, cookieOptions(req));
      res.status(204).end();
    }),
  );

  router.delete(
    "/sessions",
    route(async (req, res) => {
      const who = await signedIn(req, res);
      await accounts.signOutEverywhere(who.userId);
      res.clearCookie(SESSION_COOKIE, cookieOptions(req));
      res.status(204).end();
    }),
  );

  router.post(
    "/passkeys/registration/options",
    route(async (req, res) => {
      const who = await whoIs(req, res);
      const body = only(bodyOf(req), who?.kind === "account" ? [] : ["username", "name"]);
      const account = who?.kind === "account" ? who : undefined;
      const { options, challengeId } = await passkeys.registrationOptions(relyingParty(req), account, body, guestOf(who), originOf(req));
      rememberChallenge(req, res, challengeId);
      res.setHeader("Cache-Control", "no-store");
      res.json(options);
    }),
  );

  router.post(
    "/passkeys/registration",
    route(async (req, res) => {
      const who = await whoIs(req, res);
      const body = only(bodyOf(req), ["response", "label"]);
      const account = who?.kind === "account" ? who : undefined;
      const result = await passkeys.register(relyingParty(req), takeChallenge(req, res), body, account, guestOf(who), originOf(req));
      if ("issued" in result) issue(req, res, 201, result.issued);
      else res.status(201).json(result);
    }),
  );

  router.post(
    "/passkeys/authentication/options",
    route(async (req, res) => {
      only(bodyOf(req), []);
      const { options, challengeId } = await passkeys.authenticationOptions(relyingParty(req));
      rememberChallenge(req, res, challengeId);
      res.setHeader("Cache-Control", "no-store");
      res.json(options);
    }),
  );

  router.post(
    "/passkeys/authentication",
    route(async (req, res) => {
      const body = only(bodyOf(req), ["response"]);
      issue(req, res, 200, await passkeys.authenticate(relyingParty(req), takeChallenge(req, res), body, originOf(req)));
    }),
  );

  router.get(
    "/passkeys",
    route(async (req, res) => {
      res.setHeader("Cache-Control", "no-store");
      res.json({ passkeys: await accounts.passkeys(await signedIn(req, res)) });
    }),
  );

  router.delete(
    "/passkeys/:id",
    route(async (req, res) => {
      await accounts.removePasskey(await signedIn(req, res), String(req.params.id));
      res.status(204).end();
    }),
  );

  router.use((_req, res) => sendError(res, new AccountError("NOT_FOUND", "no such route")));

  // Body-parser's refusals and anything unexpected, as JSON. Bodies are never logged: they may hold passwords.
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const type = typeof err === "object" && err !== null && "type" in err ? String(err.type) : "";
    if (type === "entity.too.large") return res.status(413).json({ error: { code: "INVALID_INPUT", message: `the body is over ${JSON_LIMIT}` } });
    if (type === "entity.parse.failed" || type.startsWith("encoding.") || type === "charset.unsupported") {
      return res.status(400).json({ error: { code: "INVALID_INPUT", message: "the body is not valid JSON" } });
    }
    // Refusals Express makes itself, e.g. a path parameter that is not valid percent-encoding.
    const status = typeof err === "object" && err !== null && "status" in err ? Number(err.status) : 500;
    if (status >= 400 && status < 500) return res.status(400).json({ error: { code: "INVALID_INPUT", message: "malformed request" } });
    deps.logger.error({ err: { message: (err as Error).message, stack: (err as Error).stack }, reqId: req.id }, "accounts route failed");
    res.status(500).json({ error: { code: "INTERNAL", message: "internal error" } });
  };
  router.use(onError);
  return router;
}
