/**
 * Fetching what a conversation missed while this tab was away: new messages
 * after the newest one held, and (protocol v1.1 `changedAfter`) the edits,
 * deletions and reactions made meanwhile. Each resolves with undefined when
 * the conversation is complete, or with the error that stopped it.
 */
import type { AckError } from "../../server/protocol";
import { Channels, type Channel } from "./channels";
import { request, type ChatSocket } from "./connection";
import { fetchChanges, fetchNewer } from "./delivery";

/**
 * Fetches what `channel` is missing after `afterId` — or, holding nothing
 * yet, its newest page.
 */
export async function catchUp(socket: ChatSocket, channels: Channels, channel: Channel, afterId: string | undefined): Promise<AckError | undefined> {
  if (afterId === undefined) {
    const newest = await request(socket, "history", Channels.base(channel));
    if (!newest.ok) return newest.error;
    channels.add(channel, newest.messages);
    channel.hasMore = newest.hasMore;
    return undefined;
  }
  const res = await fetchNewer((query) => request(socket, "history", query), Channels.base(channel), afterId);
  if (!res.ok) return res.error;
  if (!res.complete) {
    // Too much was missed to fetch it all: show the newest page, older ones on demand.
    channel.messages.clear();
    return catchUp(socket, channels, channel, undefined);
  }
  channels.add(channel, res.messages);
  return undefined;
}

/** Edits, deletions and reactions made after `lastRev`: each changed message replaces the one held. */
export async function catchUpChanges(socket: ChatSocket, channels: Channels, channel: Channel, lastRev: string): Promise<AckError | undefined> {
  const res = await fetchChanges((query) => request(socket, "history", query), Channels.base(channel), lastRev);
  if (!res.ok) return res.error;
  for (const message of res.messages) channels.update(channel, message);
  return undefined;
}
