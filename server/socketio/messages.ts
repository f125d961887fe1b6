/** `message`, `broadcast`, `private message` and `history`. */
import { z } from "zod";
import { AppError } from "../errors.js";
import { ackListener, limit } from "./ack.js";
import { fetchSocketsIn } from "./cluster.js";
import { recipientByUser } from "./people.js";
import { roomKey, userOf, type ChatSocket, type EventListeners, type HandlerContext } from "./types.js";

export function messageHandlers(ctx: HandlerContext): EventListeners {
  const { io, messages, schemas, logger, metrics } = ctx;

  /** A retry of a message already stored is acked with it even when it could not be sent now. */
  const originalOr = async (socket: ChatSocket, clientId: string | undefined, refusal: AppError) => {
    const original = await messages.repeatOf(userOf(socket), clientId);
    if (!original) throw refusal;
    return { message: original };
  };

  const message = ackListener(ctx, "message", z.tuple([schemas.message]), async (socket, [{ room, text, clientId, mentions, replyTo, attachments }]) => {
    limit(ctx, socket, "send");
    if (!socket.rooms.has(roomKey(room))) {
      return originalOr(socket, clientId, new AppError("NOT_IN_ROOM", `join ${room} before sending to it`));
    }
    const { message } = await messages.send({ kind: "room", from: userOf(socket), room, text, clientId, mentions, replyTo, attachments });
    return { message };
  });

  const broadcast = ackListener(ctx, "broadcast", z.tuple([schemas.broadcast]), async (socket, [{ text, clientId, mentions, replyTo, attachments }]) => {
    limit(ctx, socket, "send");
    const { message } = await messages.send({ kind: "broadcast", from: userOf(socket), text, clientId, mentions, replyTo, attachments });
    return { message };
  });

  const privateMessage = ackListener(ctx, "private message", z.tuple([schemas.privateMessage]), async (socket, [input]) => {
    limit(ctx, socket, "send");
    const { text, clientId, mentions, replyTo, attachments } = input;
    let to;
    if ("toUser" in input) {
      to = await recipientByUser(io, ctx.people, input.toUser, logger, metrics);
      if (!to) return originalOr(socket, clientId, new AppError("NOT_FOUND", "no one with that userId has connected"));
    } else {
      // Every socket is in a room named after its own id, on whichever node holds it.
      const target = (await fetchSocketsIn(io, input.to, logger, metrics)).find((s) => s.id === input.to);
      if (!target) return originalOr(socket, clientId, new AppError("NOT_FOUND", "no such socket is connected"));
      to = userOf(target);
    }
    const { message } = await messages.send({ kind: "private", from: userOf(socket), to, text, clientId, mentions, replyTo, attachments });
    return { message };
  });

  const history = ackListener(ctx, "history", z.tuple([schemas.history]), async (socket, [query]) => {
    limit(ctx, socket, "history");
    return messages.history(socket.data.userId, query);
  });

  return { message, broadcast, "private message": privateMessage, history };
}
