/** Taking a page offline the way a network would, for the browser tests that run the server in-process. */
import type { Page } from "playwright-core";
import { onTestFinished } from "vitest";
import type { TestServer } from "./server.js";

/**
 * Cuts the page off as a network would: its connection is dropped and the
 * server refuses the page's new ones (sockets opened by the test itself,
 * which send no Origin, still get in) until the returned function is called
 * — or the test ends.
 */
export async function cutOff(server: TestServer, page: Page): Promise<() => void> {
  const engineOpts = server.chat.io.engine.opts as {
    allowRequest?: (req: { headers: Record<string, string | undefined> }, cb: (e: string | null, ok: boolean) => void) => void;
  };
  const allow = engineOpts.allowRequest!;
  const reconnect = () => void (engineOpts.allowRequest = allow);
  onTestFinished(reconnect);
  engineOpts.allowRequest = (req, cb) => (req.headers.origin ? cb("offline", false) : allow(req, cb));
  const socketId = (await page.textContent("#me-socket"))!;
  server.chat.io.sockets.sockets.get(socketId)?.conn.close();
  await page.locator('#conn[data-state="reconnecting"]').waitFor();
  return reconnect;
}
