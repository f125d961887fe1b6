/**
 * What a reader of the classic "express + mongodb + socket.io" chat tutorial
 * builds: an Express app with Socket.IO on the same http server and a mongoose
 * model. Join a room (and get its last 50 messages); on a message, save it
 * with `Message.create` and then emit it to the room; answer the callback
 * when the client passed one. No validation, limits, ids or recovery.
 *
 *   → join(room, cb)                       ← "history" [last 50], cb({ ok: true })
 *   → "chat message" { room, text }, cb    ← "chat message" { _id, room, name, text, createdAt } to the room, cb({ ok: true })
 *
 * MONGODB_URI names the database (bench/lib/peer-process.ts gives it a fresh FerretDB).
 */
import http from "node:http";
import express from "express";
import mongoose from "mongoose";
import { Server } from "socket.io";
import { hostPeer } from "./peer-host.js";
import { tutorialMessageSchema } from "./tutorial-message.js";

const uri = process.env.MONGODB_URI;
if (!uri) throw new Error("the tutorial peer needs MONGODB_URI");
await mongoose.connect(uri);

const Message = mongoose.model("Message", tutorialMessageSchema);
await Message.init();

const app = express();
app.get("/", (_req, res) => {
  res.send("chat");
});
const httpServer = http.createServer(app);
const io = new Server(httpServer, { serveClient: false });

type Ack = (res: { ok: boolean }) => void;

io.on("connection", (socket) => {
  const auth = socket.handshake.auth as { name?: unknown };
  const name = typeof auth.name === "string" ? auth.name : "anonymous";

  socket.on("join", async (room: string, done?: Ack) => {
    await socket.join(room);
    try {
      const last = await Message.find({ room }).sort({ createdAt: -1 }).limit(50).lean();
      socket.emit("history", last.reverse());
      done?.({ ok: true });
    } catch {
      done?.({ ok: false });
    }
  });

  socket.on("chat message", async (msg: { room: string; text: string }, done?: Ack) => {
    try {
      const saved = await Message.create({ room: msg.room, name, text: msg.text });
      io.to(msg.room).emit("chat message", saved.toObject());
      done?.({ ok: true });
    } catch {
      done?.({ ok: false });
    }
  });
});

await hostPeer(httpServer, async () => {
  await io.close();
  await mongoose.disconnect();
});
