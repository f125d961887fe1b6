import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { ConnectionCap } from "../../server/socketio/connection-cap.js";

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
    socket: { remoteAddress },
  }) as unknown as IncomingMessage;

/** An Engine.IO connection as the cap sees it: the request that opened it, let go once counted. */
const connection = (remoteAddress: string, forwardedFor?: string) => ({
  request: request(remoteAddress, forwardedFor) as IncomingMessage | null,
});
const open = (cap: ConnectionCap, conn: ReturnType<typeof connection>) => {
  cap.open(conn, conn.request!);
  conn.request = null;
};

describe("ConnectionCap", () => {
  it("when an address holds the most connections allowed, then it gets another only after one is released", () => {
    const cap = new ConnectionCap(2, false);
    const [a, b] = [connection("10.0.0.1"), connection("10.0.0.1")];
    open(cap, a);
    open(cap, b);
    expect(cap.allows(request("10.0.0.1"))).toBe(false);
    expect(cap.allows(request("10.0.0.2"))).toBe(true);
    cap.release(a);
    expect(cap.allows(request("10.0.0.1"))).toBe(true);
  });

  it("when behind a trusted proxy, then connections are counted and released by the address the proxy appended", () => {
    const cap = new ConnectionCap(1, true);
    const conn = connection("192.168.0.1", "6.6.6.6, 10.0.0.1");
    open(cap, conn);
    expect(cap.addressOfConnection(conn)).toBe("10.0.0.1");
    expect(cap.allows(request("192.168.0.1", "10.0.0.1"))).toBe(false);
    expect(cap.allows(request("192.168.0.1", "10.0.0.2"))).toBe(true);
    cap.release(conn);
    expect(cap.allows(request("192.168.0.1", "10.0.0.1"))).toBe(true);
  });

  it("when a connection's request is let go after it opened, then its address is still known and its release still counts", () => {
    const cap = new ConnectionCap(1, false);
    const conn = connection("10.0.0.3");
    open(cap, conn);
    expect(conn.request).toBeNull();
    expect(cap.addressOfConnection(conn)).toBe("10.0.0.3");
    expect(cap.allows(request("10.0.0.3"))).toBe(false);
    cap.release(conn);
    expect(cap.allows(request("10.0.0.3"))).toBe(true);
  });

  it("when a connection is released twice, then the second release frees nobody else's place", () => {
    const cap = new ConnectionCap(2, false);
    const [a, b] = [connection("10.0.0.4"), connection("10.0.0.4")];
    open(cap, a);
    open(cap, b);
    cap.release(a);
    cap.release(a);
    expect(cap.allows(request("10.0.0.4"))).toBe(true);
    open(cap, connection("10.0.0.4"));
    expect(cap.allows(request("10.0.0.4"))).toBe(false);
    expect(cap.addressOfConnection({})).toBe("unknown");
  });
});
