/** The typed Socket.IO connection and a promise-returning, never-throwing emit. */
import { io, type Socket } from "socket.io-client";
import type { Ack, ClientToServerEvents, ServerToClientEvents } from "../../server/protocol.js";

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Connects with a display name. `token` is read at every (re)connection, so
 * the identity handed out in the first `session` is kept on reconnect.
 */
export function connect(name: string, token: () => string | undefined): ChatSocket {
  return io({
    auth: (cb) => {
      const current = token();
      cb(current ? { name, token: current } : { name });
    },
    transports: ["websocket", "polling"],
  });
}

type AckOf<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]> extends [...infer _A, infer Cb]
    ? Cb extends ((response: infer R) => void) | undefined
      ? R
      : never
    : never;
type ArgsOf<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]> extends [...infer A, unknown] ? A : never;

/**
 * Emits an event and resolves with its ack; a timeout or a lost connection
 * resolves as an UNAVAILABLE error instead of throwing.
 */
export async function request<E extends keyof ClientToServerEvents>(
  socket: ChatSocket,
  event: E,
  ...args: ArgsOf<E>
): Promise<Exclude<AckOf<E>, undefined>> {
  type Emit = (event: string, ...args: unknown[]) => Promise<unknown>;
  try {
    const timed = socket.timeout(10_000);
    const emit = timed.emitWithAck as unknown as Emit;
    return (await emit.call(timed, event, ...args)) as Exclude<AckOf<E>, undefined>;
  } catch {
    const failed: Ack<object> = { ok: false, error: { code: "UNAVAILABLE", message: "no answer from the server" } };
    return failed as Exclude<AckOf<E>, undefined>;
  }
}

/** A random idempotency key; works outside secure contexts too (no randomUUID). */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
