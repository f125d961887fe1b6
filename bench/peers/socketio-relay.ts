/**
 * The minimal Socket.IO chat-room relay of the tutorials: join a room, and
 * re-emit every message to the room. No validation, storage or acks on
 * messages (join answers a callback only so the load generator knows when to
 * start).
 */
import http from "node:http";
import { Server } from "socket.io";
import { hostPeer } from "./peer-host.js";

const httpServer = http.createServer();
const io = new Server(httpServer, { serveClient: false });

io.on("connection", (socket) => {
  socket.on("join", (room: string, done?: () => void) => {
    void socket.join(room);
    done?.();
  });
  socket.on("chat message", (room: string, text: string) => {
    io.to(room).emit("chat message", text);
  });
});

await hostPeer(httpServer, async () => {
  await io.close();
});
