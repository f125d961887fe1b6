import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { ConnectionCap } from "../../server/socketio/connection-cap.js";

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
    socket: { remoteAddress },
  }) as unknown as IncomingMessage;

describe("ConnectionCap", () => {
  it("when an address holds the most connections allowed, then it gets another only after one is released", () => {
    const cap = new ConnectionCap(2, false);
    const [a, b] = [request("10.0.0.1"), request("10.0.0.1")];
    cap.open(a);
    cap.open(b);
    expect(cap.allows(request("10.0.0.1"))).toBe(false);
    expect(cap.allows(request("10.0.0.2"))).toBe(true);
    cap.release(a);
    expect(cap.allows(request("10.0.0.1"))).toBe(true);
  });

  it("when behind a trusted proxy, then connections are counted and released by the address the proxy appended", () => {
    const cap = new ConnectionCap(1, true);
    const req = request("192.168.0.1", "6.6.6.6, 10.0.0.1");
    cap.open(req);
    expect(cap.allows(request("192.168.0.1", "10.0.0.1"))).toBe(false);
    expect(cap.allows(request("192.168.0.1", "10.0.0.2"))).toBe(true);
    cap.release(req);
    expect(cap.allows(request("192.168.0.1", "10.0.0.1"))).toBe(true);
  });
});
