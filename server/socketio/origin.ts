/**
 * Origin allowlist, enforced in Socket.IO's `allowRequest` so that it covers
 * WebSocket upgrades as well as HTTP long-polling (CORS covers neither alone).
 * Browsers always send Origin; a request without one comes from a non-browser
 * client, which could forge any header anyway, so it is let through.
 */
import type { IncomingMessage } from "node:http";

export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
