/**
 * Caps simultaneous Engine.IO connections per client IP. Counted when a
 * connection opens, released when it closes; checked in `allowRequest`
 * before a new session is accepted.
 */
import type { IncomingMessage } from "node:http";

export class ConnectionCap {
  private readonly open = new Map<string, number>();

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
    return (this.open.get(this.addressOf(req)) ?? 0) < this.max;
  }

  /** Counts a connection; returns the function that releases it. */
  track(req: IncomingMessage): () => void {
    const ip = this.addressOf(req);
    this.open.set(ip, (this.open.get(ip) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(ip) ?? 1) - 1;
      if (left > 0) this.open.set(ip, left);
      else this.open.delete(ip);
    };
  }
}
