/** Messages to insert straight into a store, for the store contracts. */
import { roomChannel } from "../../server/channels/channel.js";
import { createIdGenerator } from "../../server/messages/message-id.js";
import type { NewMessage } from "../../server/messages/message-store.js";
import type { User } from "../../server/protocol.js";

/** A builder of room messages in `chat` from `from`, with fresh sortable ids; `extra` overrides any field. */
export function roomMessageBuilder(from: User): (text: string, extra?: Partial<NewMessage>) => NewMessage {
  const ids = createIdGenerator();
  return (text, extra = {}) => {
    const id = ids();
    return {
      id,
      kind: "room",
      room: "chat",
      from,
      text,
      createdAt: new Date().toISOString(),
      channel: roomChannel("chat"),
      key: `srv-${id}`,
      ...extra,
    };
  };
}
