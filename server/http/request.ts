/**
 * What several parts of the server read off an HTTP request the same way:
 * a cookie, the client's address (behind a trusted proxy too), and whether
 * it came over TLS.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

/** One cookie's value from a Cookie header, or undefined. */
export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/** The last entry of a header a trusted proxy appends to (earlier ones come from the client and can be anything). */
function lastForwarded(req: IncomingMessage, header: "x-forwarded-for" | "x-forwarded-proto"): string | undefined {
  const value = req.headers[header];
  if (typeof value !== "string" || value.trim().length === 0) return undefined;
  return value.split(",").at(-1)!.trim();
}

/** The client's address: behind a trusted proxy, the last X-Forwarded-For entry, the one that proxy appended. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastForwarded(req, "x-forwarded-for") : undefined;
  return forwarded ?? req.socket.remoteAddress ?? "unknown";
}

/** Whether the client reached us over TLS: directly, or (behind a trusted proxy) as its X-Forwarded-Proto says. */
export function overTls(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return true;
  return trustProxy && lastForwarded(req, "x-forwarded-proto") === "https";
}
