/** Shared set-up of the browser tests. */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchBrowser } from "./browser.js";
import type { TestServer } from "./server.js";
import { useServer, type ServerOptions } from "./use-server.js";

/**
 * The real server (see `useServer`) and Chromium for the tests of the
 * enclosing describe block.
 *
 * @example
 * const env = useServerAndBrowser();
 * it("…", async () => { await enter(env.browser, env.server.url, "Ada"); });
 */
export function useServerAndBrowser(options: ServerOptions | (() => ServerOptions | Promise<ServerOptions>) = {}): {
  readonly server: TestServer;
  readonly browser: Browser;
} {
  const running = useServer(options);
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get server() {
      return running.server;
    },
    get browser() {
      return browser!;
    },
  };
}
