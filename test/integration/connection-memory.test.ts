import type { IncomingMessage } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { call, connectClient, until } from "../helpers/client.js";
import { useServer } from "../helpers/use-server.js";

// A full garbage collection on demand, so that a test can tell whether an object is still held.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Whether the object behind `ref` is gone after a full collection (a WeakRef is cleared between jobs). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  return ref.deref() === undefined;
}

describe("memory held per open connection", () => {
  const env = useServer();

  /** Weak references to the WebSocket upgrade requests the server answers from now on. */
  function watchUpgradeRequests(): WeakRef<IncomingMessage>[] {
    const refs: WeakRef<IncomingMessage>[] = [];
    env.server.chat.io.engine.on("headers", (_headers: unknown, req: IncomingMessage) => {
      if (req.headers.upgrade?.toLowerCase() === "websocket") refs.push(new WeakRef(req));
    });
    return refs;
  }

  it("when a client connects straight over WebSocket, then its upgrade request is let go while it stays connected", async () => {
    const requests = watchUpgradeRequests();
    const alice = await connectClient(env.server.url, { name: "alice" }, { transports: ["websocket"] });
    expect(requests).toHaveLength(1);

    expect(await collected(requests[0]!)).toBe(true);
    // The connection is untouched: it still answers.
    expect(await call(alice.socket, "rooms")).toMatchObject({ ok: true });
  });

  it("when a client upgrades from long-polling, then the upgrade request is let go while it stays connected", async () => {
    const requests = watchUpgradeRequests();
    const bob = await connectClient(env.server.url, { name: "bob" }, { transports: ["polling", "websocket"] });
    await until(() => bob.socket.io.engine.transport.name === "websocket");
    expect(requests).toHaveLength(1);

    expect(await collected(requests[0]!)).toBe(true);
    expect(await call(bob.socket, "rooms")).toMatchObject({ ok: true });
  });
});
