/** Real socket.io-client connections and small awaitable helpers. */
import { io, type Socket } from "socket.io-client";
import type {
  AckError,
  ChatMessage,
  Page,
  ClientToServerEvents,
  PresenceNotice,
  ServerToClientEvents,
  Session,
} from "../../server/protocol.js";

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type Client = { socket: TestSocket; session: Session };

const open: TestSocket[] = [];

/** Connects and resolves once the server has sent `session`. A socket signed in to an account (v1.2) needs no `name`. */
export async function connectClient(
  url: string,
  auth: { name?: string; token?: string } = { name: "alice" },
  options: { transports?: string[]; extraHeaders?: Record<string, string>; reconnection?: boolean } = {},
): Promise<Client> {
  const socket: TestSocket = io(url, {
    auth,
    transports: options.transports ?? ["websocket"],
    forceNew: true,
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 100,
    reconnectionDelayMax: 1000,
    ...(options.extraHeaders ? { extraHeaders: options.extraHeaders } : {}),
  });
  open.push(socket);
  const session = await new Promise<Session>((resolve, reject) => {
    socket.once("session", resolve);
    socket.once("connect_error", reject);
  });
  return { socket, session };
}

/** Resolves with the error a refused connection gets. */
export async function connectError(
  url: string,
  auth: unknown,
  options: { transports?: string[]; extraHeaders?: Record<string, string> } = {},
): Promise<Error & { data?: AckError }> {
  const socket = io(url, {
    auth: auth as Record<string, unknown>,
    transports: options.transports ?? ["websocket"],
    forceNew: true,
    reconnection: false,
    ...(options.extraHeaders ? { extraHeaders: options.extraHeaders } : {}),
  });
  open.push(socket as TestSocket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connection was accepted")));
    socket.once("connect_error", (err) => resolve(err as Error & { data?: AckError }));
  });
}

/** Disconnects every socket the helpers opened. */
export function disconnectAll(): void {
  for (const socket of open.splice(0)) socket.disconnect();
}

/** Waits for the next `event` (matching `filter`), failing after `ms`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: TestSocket,
  event: E,
  filter: (...args: Parameters<ServerToClientEvents[E]>) => boolean = () => true,
  ms = 3000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`no ${String(event)} within ${ms} ms`));
    }, ms);
    const listener = (...args: Parameters<ServerToClientEvents[E]>) => {
      if (!filter(...args)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(args[0]);
    };
    socket.on(event, listener as never);
  });
}

/**
 * The next `presence` (protocol v1.2 shape) matching `filter`. The event map
 * still types `presence` with the v1 shape for the page (see ServerToClientEvents).
 */
export function nextPresence(socket: TestSocket, filter: (p: PresenceNotice) => boolean = () => true, ms = 3000): Promise<PresenceNotice> {
  return nextEvent(socket, "presence", filter, ms);
}

/** Every `presence` (v1.2 shape) a socket receives. */
export function collectPresence(socket: TestSocket): PresenceNotice[] {
  const received: PresenceNotice[] = [];
  socket.on("presence", (p) => received.push(p));
  return received;
}

/** Collects every `message` a socket receives, for asserting what did *not* arrive. */
export function collectMessages(socket: TestSocket): ChatMessage[] {
  const received: ChatMessage[] = [];
  socket.on("message", (m) => received.push(m));
  return received;
}

/** Emits with an ack (untyped, so tests can send malformed payloads). */
export function call(socket: TestSocket, event: string, ...args: unknown[]): Promise<unknown> {
  return (socket.timeout(5000) as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<unknown> }).emitWithAck(
    event,
    ...args,
  );
}

/** Emits with an ack and asserts success, returning the ack. */
export async function ok<T = Record<string, unknown>>(socket: TestSocket, event: string, ...args: unknown[]): Promise<T> {
  const res = (await call(socket, event, ...args)) as { ok: boolean; error?: AckError };
  if (!res.ok) throw new Error(`${event} failed: ${JSON.stringify(res.error)}`);
  return res as T;
}

/** A round trip through the server: everything emitted before it has been processed. */
export async function flush(socket: TestSocket): Promise<void> {
  await call(socket, "rooms");
}

/** Every stored message of a room, oldest first, read page by page with `after`. */
export async function readAllHistory(socket: TestSocket, room: string): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  let after = "0".repeat(24);
  for (;;) {
    const page = await ok<Page>(socket, "history", { room, after, limit: 100 });
    all.push(...page.messages);
    if (!page.hasMore) return all;
    after = page.messages.at(-1)!.id;
  }
}

/** Polls `check` every 20 ms until it holds; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
