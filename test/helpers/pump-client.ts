/**
 * A chat participant for delivery tests, built on the browser's own delivery
 * code (public/src/delivery.ts): an outbox with resends until acked, and
 * catch-up after every reconnect. It keeps its view of one room by id.
 */
import { io } from "socket.io-client";
import type { Ack, ChatMessage, Page } from "../../server/protocol.js";
import { changePayload, fetchNewer, gapAfter, Outbox, OutboxPump, retryWhile, type KeyValueStorage } from "../../public/src/delivery.js";
import type { TestSocket } from "./client.js";

export type PumpClient = {
  name: string;
  socket: TestSocket;
  outbox: Outbox;
  /** clientIds of every message this client tried to send. */
  attempted: string[];
  /** Acked messages, by clientId. */
  acked: Map<string, ChatMessage>;
  /** Permanent refusals (should stay empty). */
  failed: { clientId: string; code: string }[];
  /** Why the last resync attempt failed, for diagnostics. */
  lastResyncError?: string;
  /** Its view of the room: every message received live or through catch-up, by id. */
  view: Map<string, ChatMessage>;
  send(text: string): void;
  close(): void;
};

class MemoryStorage implements KeyValueStorage {
  private readonly data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
}

async function request<T extends object>(socket: TestSocket, ms: number, event: string, ...args: unknown[]): Promise<Ack<T>> {
  try {
    const timed = socket.timeout(ms) as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<Ack<T>> };
    return await timed.emitWithAck(event, ...args);
  } catch {
    return { ok: false, error: { code: "UNAVAILABLE", message: "no ack" } };
  }
}

/**
 * Connects (retrying until the server is there), joins `room`, and from then
 * on after every (re)connect: rejoins, catches up, and resumes sending.
 */
export async function pumpClient(
  url: string,
  name: string,
  room: string,
  options: { ackTimeoutMs?: number; token?: string } = {},
): Promise<PumpClient> {
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
  let token = options.token;
  const socket: TestSocket = io(url, {
    // Read at every reconnection: keep the identity from the first session.
    auth: (cb) => cb(token ? { name, token } : { name }),
    transports: ["websocket"],
    forceNew: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
    randomizationFactor: 0.5,
  });
  // A handshake refused with UNAVAILABLE (storage could not check the identity) is not retried by
  // Socket.IO itself: try again shortly, as the page does.
  socket.on("connect_error", (err) => {
    if (err.message === "UNAVAILABLE") setTimeout(() => socket.connect(), 500);
  });
  const outbox = new Outbox(new MemoryStorage());
  const client: PumpClient = {
    name,
    socket,
    outbox,
    attempted: [],
    acked: new Map(),
    failed: [],
    view: new Map(),
    send(text) {
      const clientId = `${name}-${client.attempted.length}`;
      client.attempted.push(clientId);
      outbox.add({ kind: "room", room }, text, clientId);
      pump.kick();
    },
    close() {
      pump.stop();
      socket.disconnect();
    },
  };
  const pump = new OutboxPump(
    outbox,
    (entry) =>
      entry.kind === "message"
        ? request<{ message: ChatMessage }>(socket, ackTimeoutMs, "message", { room, text: entry.text, clientId: entry.clientId })
        : request<{ message: ChatMessage }>(socket, ackTimeoutMs, entry.kind, changePayload(entry)),
    {
      acked: (entry, message) => client.acked.set(entry.clientId, message),
      failed: (entry, error) => client.failed.push({ clientId: entry.clientId, code: error.code }),
    },
    // Send only once rejoined after a (re)connect, or the room would refuse it.
    () => socket.connected && synced,
    { baseMs: 100, maxMs: 1000 },
  );
  let synced = false;
  socket.on("disconnect", () => (synced = false));
  const add = (messages: ChatMessage[]) => {
    for (const m of messages) if (m.room === room) client.view.set(m.id, m);
  };
  // Where a catch-up starts: the newest message up to which the view is known to be
  // complete. Live messages count only while synced: one that arrives between a
  // reconnect and a finished resync may lie past a gap.
  let caughtUpTo: string | undefined;
  const newest = () => [...client.view.keys()].sort().at(-1);
  socket.on("message", (m) => {
    add([m]);
    if (synced && m.room === room && (caughtUpTo === undefined || m.id > caughtUpTo)) caughtUpTo = m.id;
  });
  socket.on("session", (s) => (token = s.token));

  let resyncing: Promise<void> | undefined;
  const readTimeoutMs = 10_000;
  // The same steps as the page's resync: rejoin, catch up if the join page leaves a gap.
  const resyncOnce = async () => {
    const last = caughtUpTo;
    const joined = await request<{ history: ChatMessage[] }>(socket, readTimeoutMs, "join", room);
    if (!joined.ok) {
      client.lastResyncError = `join: ${joined.error.code} ${joined.error.message}`;
      return false;
    }
    add(joined.history);
    if (last !== undefined && gapAfter(joined.history, last, 50)) {
      const newer = await fetchNewer((q) => request<Page>(socket, readTimeoutMs, "history", q), { room }, last);
      if (!newer.ok) {
        client.lastResyncError = `history: ${newer.error.code} ${newer.error.message}`;
        return false;
      }
      add(newer.messages);
    }
    caughtUpTo = newest();
    return true;
  };
  let connection = 0;
  socket.on("connect", () => {
    const current = ++connection;
    resyncing = retryWhile(resyncOnce, () => socket.connected && current === connection).then((done) => {
      if (!done) return;
      synced = true;
      pump.kick();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} could not connect`)), 20_000);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await resyncing;
  return client;
}

/** Waits until every client's outbox is empty (all acked or failed). */
export async function allDrained(clients: PumpClient[], timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (clients.some((c) => c.outbox.size > 0)) {
    if (Date.now() - start > timeoutMs) {
      const stuck = clients.filter((c) => c.outbox.size > 0);
      const left = stuck.reduce((n, c) => n + c.outbox.size, 0);
      const detail = stuck
        .slice(0, 5)
        .map(
          (c) =>
            `${c.name}: ${c.outbox.size} queued, connected=${c.socket.connected}, last resync error: ${c.lastResyncError}`,
        )
        .join("; ");
      throw new Error(`${left} messages of ${stuck.length} clients still unacked after ${timeoutMs} ms (${detail})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
