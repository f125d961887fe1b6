/**
 * Caps simultaneous Engine.IO connections per client IP. Counted when a
 * connection opens, released when it closes; checked in `allowRequest`
 * before a new session is accepted.
 *
 * It also remembers each open connection's address, so that per-address rate
 * limits and logs can be applied after the connection's HTTP request has been
 * let go (see index.ts).
 */
import type { IncomingMessage } from "node:http";
import { clientAddress } from "../http/request.js";

export class ConnectionCap {
  private readonly counts = new Map<string, number>();
  /** Open connection → the address it is counted against. Weak: a connection that is gone takes its entry along. */
  private readonly addresses = new WeakMap<object, string>();

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
    return clientAddress(req, this.trustProxy);
  }

  allows(req: IncomingMessage): boolean {
    return (this.counts.get(this.addressOf(req)) ?? 0) < this.max;
  }

  /** Counts a connection that has just opened, by the address of `req`, the request that opened it. */
  open(conn: object, req: IncomingMessage): void {
    const ip = this.addressOf(req);
    this.addresses.set(conn, ip);
    this.counts.set(ip, (this.counts.get(ip) ?? 0) + 1);
  }

  /** The address an open connection is counted against; "unknown" for one this cap never opened. */
  addressOfConnection(conn: object): string {
    return this.addresses.get(conn) ?? "unknown";
  }

  /** Releases a connection counted by `open`. A second release of the same connection does nothing. */
  release(conn: object): void {
    const ip = this.addresses.get(conn);
    if (ip === undefined) return;
    this.addresses.delete(conn);
    const left = (this.counts.get(ip) ?? 1) - 1;
    if (left > 0) this.counts.set(ip, left);
    else this.counts.delete(ip);
  }
}
