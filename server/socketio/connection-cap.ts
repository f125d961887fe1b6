/**
 * Caps simultaneous Engine.IO connections per client IP. Counted when a
 * connection opens, released when it closes; checked in `allowRequest`
 * before a new session is accepted.
 */
import type { IncomingMessage } from "node:http";

export class ConnectionCap {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly trustProxy: boolean,
  ) {}

  /**
   * The client's address. Behind a trusted proxy: the last X-Forwarded-For
   * entry, the one that proxy appended — earlier entries come from the client
   * and can be anything.
   */
  addressOf(req: IncomingMessage): string {
    const forwarded = req.headers["x-forwarded-for"];
    if (this.trustProxy && typeof forwarded === "string" && forwarded.trim().length > 0) {
      return forwarded.split(",").at(-1)!.trim();
    }
    return req.socket.remoteAddress ?? "unknown";
  }

  allows(req: IncomingMessage): boolean {
    return (this.counts.get(this.addressOf(req)) ?? 0) < this.max;
  }

  /** Counts a connection. */
  open(req: IncomingMessage): void {
    const ip = this.addressOf(req);
    this.counts.set(ip, (this.counts.get(ip) ?? 0) + 1);
  }

  /**
   * Releases a connection counted by `open`, found again by the same request:
   * its headers do not change, and Node keeps a socket's remote address once
   * read (`open` read it), even after the socket closed. Call it once per
   * connection: a release function kept per connection instead would cost
   * memory on each of them.
   */
  release(req: IncomingMessage): void {
    const ip = this.addressOf(req);
    const left = (this.counts.get(ip) ?? 1) - 1;
    if (left > 0) this.counts.set(ip, left);
    else this.counts.delete(ip);
  }
}
