/** Shared set-up of the browser tests. */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchBrowser } from "./browser.js";
import { disconnectAll } from "./client.js";
import { startServer, type TestServer } from "./server.js";

type ServerOptions = Parameters<typeof startServer>[0];

/**
 * Starts the real server and Chromium before the tests of the enclosing
 * describe block and stops both (and every socket.io-client socket) after
 * them. `options` may be a function, to prepare a store first.
 *
 * @example
 * const env = useServerAndBrowser();
 * it("…", async () => { await enter(env.browser, env.server.url, "Ada"); });
 */
export function useServerAndBrowser(options: ServerOptions | (() => Promise<ServerOptions>) = {}): {
  readonly server: TestServer;
  readonly browser: Browser;
} {
  const env = {} as { server: TestServer; browser: Browser };
  beforeAll(async () => {
    env.server = await startServer(typeof options === "function" ? await options() : options);
    env.browser = await launchBrowser();
  });
  afterAll(async () => {
    disconnectAll();
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
