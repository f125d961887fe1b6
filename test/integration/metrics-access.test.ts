import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { useServer } from "../helpers/use-server.js";

const TOKEN = "metrics-token-0123456789abcdef0123456789abcdef";

/** An address of this machine that is not loopback, so a request to it arrives from a non-loopback peer. */
function externalAddress(): string {
  const found = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && (a.family === "IPv4" || !a.address.startsWith("fe80")));
  if (!found) throw new Error("this test needs a network interface besides loopback (none found)");
  return found.address;
}

describe("/metrics with METRICS_TOKEN", () => {
  const env = useServer({ env: { METRICS_TOKEN: TOKEN } });

  it("when the token is missing or wrong, then it answers 401 and asks for a bearer token, even on loopback", async () => {
    const refused: Record<string, string>[] = [
      {},
      { Authorization: `Bearer ${TOKEN}x` },
      { Authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` },
      { Authorization: TOKEN },
    ];
    for (const headers of refused) {
      const res = await fetch(`${env.server.url}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await res.text()).not.toContain("chat_");
    }
  });

  it("when the right token is presented, then the metrics are served", async () => {
    const res = await fetch(`${env.server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^chat_sockets 0$/m);
  });
});

describe("/metrics without METRICS_TOKEN", () => {
  let server: TestServer;
  beforeAll(async () => {
    // Behind a proxy it trusts, the server still judges /metrics by the TCP peer, never by X-Forwarded-For.
    server = await startServer({ env: { TRUST_PROXY: "true" }, host: "::" });
  });
  afterAll(() => server.close());

  it("when a loopback client asks, over IPv4 (seen as ::ffff:127.0.0.1 here) or IPv6, then it is served", async () => {
    for (const host of ["127.0.0.1", "[::1]"]) {
      const res = await fetch(`http://${host}:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("chat_messages_total");
    }
  });

  it("when a client on another address asks, then it is refused with 403, whatever X-Forwarded-For says", async () => {
    const address = externalAddress();
    const url = `http://${address.includes(":") ? `[${address}]` : address}:${server.port}/metrics`;
    const spoofed: Record<string, string>[] = [{}, { "X-Forwarded-For": "127.0.0.1" }, { "X-Forwarded-For": "::1, 127.0.0.1" }];
    for (const headers of spoofed) {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain("chat_");
    }
    expect((await fetch(`http://${address.includes(":") ? `[${address}]` : address}:${server.port}/healthz`)).status).toBe(200);
  });

  it("when a loopback request was relayed by a proxy, then it is refused with 403", async () => {
    const relayed: Record<string, string>[] = [
      { "X-Forwarded-For": "203.0.113.9" },
      { Forwarded: "for=203.0.113.9" },
      { "X-Real-IP": "203.0.113.9" },
    ];
    for (const headers of relayed) {
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers })).status).toBe(403);
    }
  });
});
