import { readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { PUBLIC_DIR } from "../../server/paths.js";
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
    expect(html).toMatch(/href="\/vendor\/bootstrap-\d+\.\d+\.\d+[^/"]*\/css\/bootstrap\.min\.css"/);
    expect(html).toMatch(/src="\/js\/main-[A-Z0-9]+\.js"/);
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    for (const url of assetUrls(html)) expect((await fetch(`${env.server.url}${url}`)).status, url).toBe(200);
  });

  it("when the page is loaded, then it must be revalidated while every asset it links is cached as immutable", async () => {
    const res = await fetch(`${env.server.url}/`);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const urls = assetUrls(await res.text());
    // Bootstrap's stylesheet and script, the app's stylesheet, theme script and bundle.
    expect(urls).toHaveLength(5);
    for (const url of urls) {
      const asset = await fetch(`${env.server.url}${url}`);
      expect(asset.headers.get("cache-control"), url).toBe("public, max-age=31536000, immutable");
    }
  });

  it("when an asset is asked for by its name without a hash, then it is not found", async () => {
    expect((await fetch(`${env.server.url}/js/main.js`)).status).toBe(404);
    expect((await fetch(`${env.server.url}/vendor/bootstrap/css/bootstrap.min.css`)).status).toBe(404);
  });

  it.each(["br", "gzip"])("when the bundle is asked for with Accept-Encoding %s, then it comes compressed and unpacks to the built file", async (encoding) => {
    const url = assetUrls(await (await fetch(`${env.server.url}/`)).text()).find((u) => /\/js\/main-/.test(u))!;
    const res = await rawGet(`${env.server.url}${url}`, { "Accept-Encoding": encoding });
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBe(encoding);
    expect(res.headers.vary).toMatch(/Accept-Encoding/);
    const body = encoding === "br" ? brotliDecompressSync(res.body) : gunzipSync(res.body);
    const onDisk = readFileSync(path.join(PUBLIC_DIR, url));
    expect(body.equals(onDisk)).toBe(true);
    expect(res.body.length).toBeLessThan(onDisk.length / 2);
  });

  it("when the page, health and metrics are asked for with compression accepted, then they still answer", async () => {
    const page = await rawGet(`${env.server.url}/`, { "Accept-Encoding": "br, gzip" });
    expect(page.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(page.body).toString()).toContain("<html");
    const health = await rawGet(`${env.server.url}/healthz`, { "Accept-Encoding": "br, gzip" });
    expect(health.status).toBe(200);
    // Too small to be worth compressing.
    expect(health.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(health.body.toString())).toEqual({ status: "ok" });
    const metrics = await fetch(`${env.server.url}/metrics`, { headers: { "Accept-Encoding": "gzip" } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("# HELP");
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
    // Socket.IO answers on the http server before Express: the app's compression never wraps its responses.
    const polling = await rawGet(`${env.server.url}/socket.io/?EIO=4&transport=polling`, { "Accept-Encoding": "br" });
    expect(polling.status).toBe(200);
    expect(polling.headers["content-encoding"]).toBeUndefined();
    expect(polling.body.toString()).toMatch(/^0\{"sid"/);
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

/** The local script and stylesheet URLs a page links to (not the favicon). */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script src|link rel="stylesheet" href)="(\/[^"]+)"/g)].map((m) => m[1]!);
}

/** A GET whose body is left as it came (fetch would decompress it). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}
