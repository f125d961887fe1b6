/**
 * `mention` (protocol v1.1): every socket of each mentioned person who may
 * read the message — anyone for room messages and broadcasts, only the two
 * participants for a private message — wherever they are, through the
 * adapter (so across nodes), like the message itself.
 */
import { readersAmong } from "../channels/access.js";
import type { ChatMessage } from "../protocol.js";
import { publish } from "./publish.js";
import { userKey, type ChatServer } from "./types.js";

/** Sends `mention` for a stored message; awaited like the fan-out, so it is published before the ack. */
export function mentionFanOut(io: ChatServer) {
  return async (message: ChatMessage): Promise<void> => {
    const readers = readersAmong(message, message.mentions ?? []);
    if (readers.length > 0) await publish(io, readers.map(userKey), "mention", { message });
  };
}
