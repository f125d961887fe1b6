import { describe, expect, it } from "vitest";
import { memoryStorage, patched } from "../helpers/storage.js";
import { startServer } from "../helpers/server.js";
import { useServer } from "../helpers/use-server.js";

describe("HTTP routes", () => {
  const env = useServer();

  it("when the chat page is requested, then it is served with a strict CSP and local Bootstrap", async () => {
    const res = await fetch(`${env.server.url}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await res.text();
    expect(html).toContain('href="/vendor/bootstrap/css/bootstrap.min.css"');
    expect(html).toContain('src="/js/main.js"');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    expect((await fetch(`${env.server.url}/vendor/bootstrap/css/bootstrap.min.css`)).status).toBe(200);
    expect((await fetch(`${env.server.url}/js/main.js`)).status).toBe(200);
  });

  it("when a Chinese browser asks for the page, then everything on it is Chinese and the response varies by language", async () => {
    const res = await fetch(`${env.server.url}/`, { headers: { "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5" } });
    expect(res.headers.get("content-language")).toBe("zh-CN");
    expect(res.headers.get("vary")).toMatch(/Accept-Language/);
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN"');
    expect(html).toContain("<title>聊天室</title>");
    // Every text node and every label: no untranslated words except key names and the language switch.
    const visible = [...html.replace(/<script[\s\S]*?<\/script>|<svg[\s\S]*?<\/svg>/g, "").matchAll(/>([^<]+)</g)].map((m) => m[1]!.trim());
    const labels = [...html.matchAll(/(?:placeholder|aria-label|title)="([^"]*)"/g)].map((m) => m[1]!);
    const english = [...visible, ...labels].flatMap((text) => text.match(/[A-Za-z]{2,}/g) ?? []);
    expect(new Set(english)).toEqual(new Set(["English", "Enter", "Shift"]));
  });

  it("when the person chose English before (cookie), then a Chinese browser gets English", async () => {
    const res = await fetch(`${env.server.url}/`, { headers: { "Accept-Language": "zh-CN", Cookie: "theme=x; lang=en" } });
    expect(res.headers.get("content-language")).toBe("en");
    expect(await res.text()).toContain("<title>Rooms</title>");
  });

  it("when a page does not exist, then the 404 page speaks the browser's language", async () => {
    const res = await fetch(`${env.server.url}/nowhere`, { headers: { "Accept-Language": "zh-CN" } });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("回到聊天");
  });

  it("when the socket.io client library is requested, then Socket.IO serves it", async () => {
    expect((await fetch(`${env.server.url}/socket.io/socket.io.js`)).status).toBe(200);
  });

  it("when health is asked, then healthz and readyz answer 200", async () => {
    expect(await (await fetch(`${env.server.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${env.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { storage: true } });
  });

  it("when storage is not ready, then readyz answers 503", async () => {
    const down = await startServer({ storage: patched(memoryStorage(), { isReady: async () => false }) });
    try {
      const res = await fetch(`${down.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: "unavailable", checks: { storage: false } });
    } finally {
      await down.close();
    }
  });

  it("when a path does not exist, then a 404 page is rendered without details", async () => {
    const res = await fetch(`${env.server.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Not found");
  });
});
