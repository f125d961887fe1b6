/** Shared set-up of the browser tests. */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchBrowser } from "./browser.js";
import { disconnectAll } from "./client.js";
import { spawnServer, type ServerProcess } from "./process.js";
import type { TestServer } from "./server.js";
import { useServer, type ServerOptions } from "./use-server.js";

/** Chromium for the tests of the enclosing describe block. */
function useBrowser(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      return browser!;
    },
  };
}

/**
 * The server as it ships — `node dist/bin/www.js` in a process of its own,
 * configured by `env` (in-memory SQLite unless it names a DATA_DIR) — and
 * Chromium, for the tests of the enclosing describe block. `env` may be a
 * function, to prepare a data directory first.
 *
 * @example
 * const env = useServerAndBrowser();
 * it("…", async () => { await enter(env.browser, env.server.url, "Ada"); });
 */
export function useServerAndBrowser(
  env: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>) = {},
): { readonly server: ServerProcess; readonly browser: Browser } {
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    server = await spawnServer(typeof env === "function" ? await env() : env);
  });
  afterAll(async () => {
    disconnectAll();
    if (!server) return;
    server.kill("SIGTERM");
    await server.exited;
  });
  const chromium = useBrowser();
  return {
    get server() {
      return server!;
    },
    get browser() {
      return chromium.browser;
    },
  };
}

/**
 * The server built in this process from the sources (see `useServer`), and
 * Chromium: for the tests that reach into the server (its Engine.IO options,
 * its sockets) to cut a connection as a network would.
 */
export function useInProcessServerAndBrowser(options: ServerOptions | (() => ServerOptions | Promise<ServerOptions>) = {}): {
  readonly server: TestServer;
  readonly browser: Browser;
} {
  const running = useServer(options);
  const chromium = useBrowser();
  return {
    get server() {
      return running.server;
    },
    get browser() {
      return chromium.browser;
    },
  };
}
