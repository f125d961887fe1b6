/** Turns a client's `Channel` into the stored channel the asker may read. */
import { AppError } from "../errors.js";
import { BROADCAST_CHANNEL, directChannel, roomChannel } from "../messages/channel.js";

/**
 * `{ with }` always means the viewer's own conversation, so naming a channel
 * can never reach someone else's private messages. A room must exist.
 */
export async function channelFor(
  viewerId: string,
  channel: { room: string } | { with: string } | { broadcast: true },
  roomExists: (name: string) => Promise<boolean>,
): Promise<string> {
  if ("room" in channel) {
    if (!(await roomExists(channel.room))) throw new AppError("NOT_FOUND", `no room named ${channel.room}`);
    return roomChannel(channel.room);
  }
  if ("with" in channel) return directChannel(viewerId, channel.with);
  return BROADCAST_CHANNEL;
}
