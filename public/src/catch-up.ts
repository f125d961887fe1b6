/**
 * Fetching what a conversation missed while this tab was away: new messages
 * after the newest one held, and (protocol v1.1 `changedAfter`) the edits,
 * deletions and reactions made meanwhile. Each resolves with undefined when
 * the conversation is complete, or with the error that stopped it.
 */
import type { Ack, AckError, AroundPage } from "../../server/protocol";
import { Channels, type Channel } from "./channels";
import { request, type ChatSocket } from "./connection";
import { fetchChanges, fetchNewer, type HistoryBase } from "./delivery";

/**
 * Fetches what `channel` is missing after `afterId` — or, holding nothing
 * yet, its newest page. A window the reader paged or jumped away from the
 * newest misses nothing: newer pages come when they scroll down to them.
 */
export async function catchUp(socket: ChatSocket, channels: Channels, channel: Channel, afterId: string | undefined): Promise<AckError | undefined> {
  if (!channel.atNewest) return undefined;
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

/** The page of history around message `id` (protocol v1.2 `around`): the message, older ones before it, newer ones after. */
export function historyAround(socket: ChatSocket, base: HistoryBase, id: string, limit: number): Promise<Ack<AroundPage>> {
  // The event map gives `history` one ack type; with `around` the server answers an AroundPage.
  const ask = request as unknown as (s: ChatSocket, event: "history", query: HistoryBase & { around: string; limit: number }) => Promise<Ack<AroundPage>>;
  return ask(socket, "history", { ...base, around: id, limit });
}
