/**
 * Lets go of the HTTP request that upgraded a connection to WebSocket.
 *
 * For each WebSocket upgrade, Engine.IO builds a stand-in response object
 * that keeps the request (`res.req`) and stays reachable from the TCP
 * socket's `close` listeners until the connection ends. Its only jobs are to
 * collect response headers for middlewares and to tell them when the socket
 * closes; once the upgrade's headers are written, the request it holds is
 * never read again. Dropping that reference frees about 1.3 KB per open
 * WebSocket connection, whether it opened straight over WebSocket or
 * upgraded from long-polling, as browsers do.
 *
 * It uses two public Engine.IO hooks: a middleware (`engine.use`), the one
 * place the response object is handed out, and the `headers` event, sent
 * right after an upgrade's headers are settled. A response that is a real
 * `http.ServerResponse` (long-polling) is never touched.
 */
import { ServerResponse, type IncomingMessage } from "node:http";

/** The parts of Engine.IO's server this needs. */
type Engine = {
  use(middleware: (req: IncomingMessage, res: object, next: (err?: unknown) => void) => void): void;
  on(event: "headers", listener: (headers: unknown, req: IncomingMessage) => void): unknown;
};

/** The stand-in response of a WebSocket upgrade. */
type UpgradeResponse = { req: IncomingMessage | null };

/** Engine.IO's stand-in, told apart from any real response, whose `req` may be a read-only getter. */
const isUpgradeResponse = (res: object): res is UpgradeResponse =>
  !(res instanceof ServerResponse) && Object.getOwnPropertyDescriptor(res, "req")?.writable === true;

/**
 * @example
 * releaseUpgradeRequests(io.engine);
 */
export function releaseUpgradeRequests(engine: Engine): void {
  // Weak: an upgrade refused before its headers takes its entry along with its request.
  const pending = new WeakMap<IncomingMessage, UpgradeResponse>();
  engine.use((req, res, next) => {
    if (isUpgradeResponse(res)) pending.set(req, res);
    next();
  });
  engine.on("headers", (_headers, req) => {
    const res = pending.get(req);
    if (!res) return;
    pending.delete(req);
    res.req = null;
  });
}
