/**
 * A hostile client in its own process: connects and sends room messages as
 * fast as acks come back, until killed. Usage: flooder.ts URL ROOM
 */
import { io } from "socket.io-client";

const [url, room] = process.argv.slice(2) as [string, string];
const socket = io(url, { auth: { name: "flooder" }, transports: ["websocket"] });
type Emitter = { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
socket.on("connect", async () => {
  await (socket as unknown as Emitter).emitWithAck("join", room);
  process.stdout.write("flooding\n");
  for (;;) {
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => (socket as unknown as Emitter).emitWithAck("message", { room, text: `spam ${i}` })),
    );
  }
});
