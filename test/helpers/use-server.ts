/** The real server for the tests of one describe block. */
import { afterAll, afterEach, beforeAll } from "vitest";
import { disconnectAll } from "./client.js";
import { startServer, type TestServer } from "./server.js";

export type ServerOptions = Parameters<typeof startServer>[0];

/**
 * Starts the real server before the tests of the enclosing describe block,
 * disconnects every socket.io-client socket after each test, and stops the
 * server after them all. `options` may be a function, to prepare a store first.
 *
 * @example
 * const env = useServer({ env: { RATE_LIMIT_BURST: "1000" } });
 * it("…", async () => { await connectClient(env.server.url); });
 */
export function useServer(options: ServerOptions | (() => ServerOptions | Promise<ServerOptions>) = {}): { readonly server: TestServer } {
  const env = {} as { server: TestServer };
  beforeAll(async () => {
    env.server = await startServer(typeof options === "function" ? await options() : options);
  });
  afterEach(disconnectAll);
  afterAll(async () => {
    await env.server?.close();
  });
  return env;
}
