/**
 * One simulated user per peer kind, all behind the same small interface:
 * Socket.IO (socket.io-client) for the project, the relay and the tutorial
 * server, `ws` for the raw relay. Every send carries its send time (monotonic µs) first in the text.
 */
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import type { PeerKind } from "../lib/peer-process.js";

export type ClientHooks = {
  /** A message reached this client; `text` is what was sent. */
  delivered(text: string): void;
  /** The server answered a send (the project and the tutorial server: the relays do not ack). */
  acked(ok: boolean): void;
  /**
   * Every Engine.IO packet this client received (project only, when asked for at
   * connect): its size as sent on the WebSocket (type character and payload,
   * UTF-8 bytes), and whether it was a `presence` event.
   */
  received?(bytes: number, presence: boolean): void;
  /** The server or the transport closed this client (not a close of ours). */
  dropped?(reason: string): void;
};

/** The answer to one `join`: acked ok, refused (ok: false), or no answer in time. */
export type JoinOutcome = { outcome: "ok" | "refused" | "timeout"; ms: number; error?: string };

export interface LoadClient {
  readonly name: string;
  readonly room: string | undefined;
  send(text: string): void;
  /** Time in ms for one `history` request of the room's newest page (project only). */
  history(room: string, limit: number): Promise<number>;
  /** Joins one more room (project only), waiting at most `timeoutMs` for the answer. */
  join(room: string, timeoutMs: number): Promise<JoinOutcome>;
  /** One `rooms` request (project only): its time in ms and the answer's rooms. */
  rooms(): Promise<{ ms: number; rooms: { name: string; members: number }[] }>;
  close(): void;
}

const CONNECT_TIMEOUT_MS = 20_000;
/** How a `presence` event starts on the wire after the Engine.IO type: a Socket.IO EVENT of the main namespace. */
const PRESENCE_PREFIX = '2["presence",';
const ACK_TIMEOUT_MS = 30_000;
/** Tries of a connection or `join` the server refuses as busy, before connecting fails. */
const JOIN_ATTEMPTS = 8;

/** Connects one client and, when `room` is given, joins it; rejects on failure or after 20 s. */
export async function connectClient(
  kind: PeerKind,
  url: string,
  name: string,
  room: string | undefined,
  hooks: ClientHooks,
): Promise<LoadClient> {
  return kind === "ws" ? connectWs(url, name, room, hooks) : connectSocketIo(kind, url, name, room, hooks);
}

type AckReply = { ok: boolean };

async function connectSocketIo(
  kind: "project" | "relay" | "tutorial",
  url: string,
  name: string,
  room: string | undefined,
  hooks: ClientHooks,
): Promise<LoadClient> {
  let socket: Socket;
  // A busy server (its store behind) refuses a connection with UNAVAILABLE, to be retried.
  for (let attempt = 1; ; attempt++) {
    socket = io(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      timeout: CONNECT_TIMEOUT_MS,
      ...(kind === "relay" ? {} : { auth: { name } }),
    });
    const connected = socket;
    try {
      await new Promise<void>((resolve, reject) => {
        // The project says who you are once the session is set up; the relay just connects.
        connected.once(kind === "project" ? "session" : "connect", () => resolve());
        connected.once("connect_error", (err) => reject(err));
      });
      break;
    } catch (err) {
      connected.close();
      if ((err as Error).message !== "UNAVAILABLE" || attempt === JOIN_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  if (kind === "project") {
    socket.on("message", (m: { text: string }) => hooks.delivered(m.text));
    const { received, dropped } = hooks;
    if (received) {
      // The engine's packets as they came off the WebSocket: "4" (message) + the Socket.IO packet,
      // e.g. `42["presence",{…}]`; a server-sent event carries no ack id, so the prefix is exact.
      socket.io.engine.on("packet", (packet: { type: string; data?: unknown }) => {
        const data = typeof packet.data === "string" ? packet.data : "";
        received(1 + Buffer.byteLength(data, "utf8"), packet.type === "message" && data.startsWith(PRESENCE_PREFIX));
      });
    }
    if (dropped) {
      socket.on("disconnect", (reason) => {
        if (reason !== "io client disconnect") dropped(reason);
      });
    }
    if (room !== undefined) {
      // A busy server refuses with UNAVAILABLE, which the protocol says to retry (a store that
      // is still catching up after a load may refuse joins for a few seconds).
      for (let attempt = 1; ; attempt++) {
        const res = (await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck("join", room)) as AckReply & { error?: { code?: string } };
        if (res.ok) break;
        if (res.error?.code !== "UNAVAILABLE" || attempt === JOIN_ATTEMPTS) throw new Error(`join ${room} refused: ${JSON.stringify(res)}`);
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  } else if (kind === "tutorial") {
    socket.on("chat message", (m: { text: string }) => hooks.delivered(m.text));
    if (room !== undefined) {
      const res = (await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck("join", room)) as AckReply;
      if (!res.ok) throw new Error(`join ${room} refused`);
    }
  } else {
    socket.on("chat message", (text: string) => hooks.delivered(text));
    if (room !== undefined) await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck("join", room);
  }
  return {
    name,
    room,
    send(text) {
      if (kind === "relay") {
        socket.emit("chat message", room, text);
        return;
      }
      socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck(kind === "tutorial" ? "chat message" : "message", { room, text })
        .then(
          (res: AckReply) => hooks.acked(res.ok),
          () => hooks.acked(false),
        );
    },
    async history(historyRoom, limit) {
      if (kind !== "project") throw new Error("only the project keeps history");
      const start = performance.now();
      const res = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("history", { room: historyRoom, limit })) as AckReply & {
        messages?: unknown[];
      };
      const ms = performance.now() - start;
      if (!res.ok || res.messages?.length !== limit) throw new Error(`history refused or short: ${JSON.stringify(res).slice(0, 200)}`);
      return ms;
    },
    async join(joinRoom, timeoutMs) {
      if (kind !== "project") throw new Error("only the project answers join this way");
      const start = performance.now();
      try {
        const res = (await socket.timeout(timeoutMs).emitWithAck("join", joinRoom)) as AckReply & { error?: { code: string } };
        const ms = performance.now() - start;
        return res.ok ? { outcome: "ok", ms } : { outcome: "refused", ms, error: res.error?.code ?? "?" };
      } catch {
        return { outcome: "timeout", ms: performance.now() - start };
      }
    },
    async rooms() {
      if (kind !== "project") throw new Error("only the project lists rooms");
      const start = performance.now();
      const res = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("rooms")) as AckReply & {
        rooms?: { name: string; members: number }[];
      };
      const ms = performance.now() - start;
      if (!res.ok || !res.rooms) throw new Error(`rooms refused: ${JSON.stringify(res).slice(0, 200)}`);
      return { ms, rooms: res.rooms };
    },
    close: () => void socket.disconnect(),
  };
}

async function connectWs(url: string, name: string, room: string | undefined, hooks: ClientHooks): Promise<LoadClient> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), { handshakeTimeout: CONNECT_TIMEOUT_MS });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  if (room !== undefined) {
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`join ${room}: no answer`)), CONNECT_TIMEOUT_MS);
      ws.once("message", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    ws.send(JSON.stringify({ type: "join", room }));
    await joined;
  }
  ws.on("message", (data) => {
    const frame = JSON.parse(String(data)) as { type: string; text?: string };
    if (frame.type === "msg" && frame.text !== undefined) hooks.delivered(frame.text);
  });
  return {
    room,
    send: (text) => ws.send(JSON.stringify({ type: "msg", room, text })),
    name,
    history: () => Promise.reject(new Error("only the project keeps history")),
    join: () => Promise.reject(new Error("only the project answers join this way")),
    rooms: () => Promise.reject(new Error("only the project lists rooms")),
    close: () => ws.terminate(),
  };
}
