/**
 * Who may read `/metrics`. With a token configured: whoever presents it as
 * `Authorization: Bearer <token>`. Without one: only clients on this machine,
 * judged by the TCP peer address — never by X-Forwarded-For, which anyone
 * can write — and not when a proxy says it relays the request for someone
 * else, so a reverse proxy on the same host does not expose the metrics.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export type AccessDecision =
  | { allowed: true }
  | { allowed: false; status: 401 | 403; reason: "missing token" | "wrong token" | "not loopback" | "proxied" };

const FORWARDING_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip"] as const;

/** 127.0.0.0/8, ::1, and IPv4 loopback written as an IPv4-mapped IPv6 address. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.toLowerCase().startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)) return true;
  return address === "::1" || address === "0:0:0:0:0:0:0:1";
}

/** Compares in constant time; hashing first keeps the token's length from leaking too. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * @example
 * metricsAccess(req, config.metricsToken) // { allowed: false, status: 401, reason: "missing token" }
 */
export function metricsAccess(req: IncomingMessage, token: string | undefined): AccessDecision {
  if (token !== undefined) {
    const header = req.headers.authorization;
    const match = typeof header === "string" ? /^Bearer +(\S+) *$/i.exec(header) : null;
    if (!match) return { allowed: false, status: 401, reason: "missing token" };
    return sameSecret(match[1]!, token) ? { allowed: true } : { allowed: false, status: 401, reason: "wrong token" };
  }
  if (!isLoopback(req.socket.remoteAddress)) return { allowed: false, status: 403, reason: "not loopback" };
  if (FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined)) {
    return { allowed: false, status: 403, reason: "proxied" };
  }
  return { allowed: true };
}
