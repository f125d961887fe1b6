/**
 * A raw `ws` relay: rooms by a tiny JSON protocol, each message encoded once
 * and written to every member of the room.
 *   → {"type":"join","room":"r1"}            ← {"type":"joined","room":"r1"}
 *   → {"type":"msg","room":"r1","text":"…"}  ← {"type":"msg","room":"r1","text":"…"} to the whole room
 */
import http from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { hostPeer } from "./peer-host.js";

type Frame = { type: "join" | "msg"; room: string; text?: string };

const httpServer = http.createServer();
const wss = new WebSocketServer({ server: httpServer });
const rooms = new Map<string, Set<WebSocket>>();

wss.on("connection", (ws) => {
  const joined = new Set<string>();
  ws.on("message", (data) => {
    let frame: Frame;
    try {
      frame = JSON.parse(String(data)) as Frame;
    } catch {
      return;
    }
    if (frame.type === "join") {
      let members = rooms.get(frame.room);
      if (!members) rooms.set(frame.room, (members = new Set()));
      members.add(ws);
      joined.add(frame.room);
      ws.send(JSON.stringify({ type: "joined", room: frame.room }));
    } else if (frame.type === "msg") {
      const out = JSON.stringify({ type: "msg", room: frame.room, text: frame.text });
      for (const member of rooms.get(frame.room) ?? []) member.send(out);
    }
  });
  ws.on("close", () => {
    for (const room of joined) rooms.get(room)?.delete(ws);
  });
});

await hostPeer(httpServer, async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => wss.close(resolve));
  await new Promise((resolve) => httpServer.close(resolve));
});
