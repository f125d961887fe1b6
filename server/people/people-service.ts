/**
 * People (protocol v1.1): who has connected, private conversations found
 * again from any device, read markers and unread counts. Knows nothing of
 * sockets; storage failures become UNAVAILABLE.
 */
import { readableChannel } from "../channels/access.js";
import { roomChannel } from "../channels/channel.js";
import { BEFORE_ALL, type MessageStore } from "../messages/message-store.js";
import type { Conversation, ReadInput, ReadNotice } from "../protocol.js";
import type { Limiter } from "../storage/limiter.js";
import { storageCall } from "../storage/storage-call.js";
import type { KnownUser, PeopleStore } from "./people-store.js";

/** Unread counts stop here, so a count costs at most this many index entries. */
export const UNREAD_CAP = 1000;
/** Conversations listed by `conversations`, most recent first. */
export const CONVERSATIONS_LISTED = 100;
/** Conversations a search looks into, most recent first. */
export const CONVERSATIONS_SEARCHED = 1000;

export type PeopleServiceDeps = {
  store: PeopleStore;
  /** For each conversation's newest message and unread counts. */
  messages: MessageStore;
  limiter: Limiter;
  /** Whether a chat room exists (rooms are never removed). */
  roomExists: (name: string) => Promise<boolean>;
};

export class PeopleService {
  constructor(private readonly deps: PeopleServiceDeps) {}

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return storageCall(this.deps.limiter, fn);
  }

  /** Records that someone is connected (or has just left) under `name`, signed in to `account` or not. */
  seen(userId: string, name: string, account?: string): Promise<void> {
    return this.call(() => this.deps.store.upsertUser(userId, name, new Date(), account));
  }

  /** Someone who has connected before, or undefined. */
  async known(userId: string): Promise<KnownUser | undefined> {
    const [user] = await this.call(() => this.deps.store.findUsers([userId]));
    return user;
  }

  /**
   * The viewer's conversations, most recent first, each with its newest
   * message and how many messages from the other person came after the
   * viewer's read marker (all of them when never read), capped at UNREAD_CAP.
   */
  async conversations(viewerId: string): Promise<Omit<Conversation, "online">[]> {
    const { store: people, messages } = this.deps;
    const refs = await this.call(() => people.conversations(viewerId, CONVERSATIONS_LISTED));
    if (refs.length === 0) return [];
    const [users, markers] = await Promise.all([
      this.call(() => people.findUsers(refs.map((r) => r.peerId))),
      this.call(() => people.readMarkers(viewerId, refs.map((r) => r.channel))),
    ]);
    const known = new Map(users.map((u) => [u.userId, u]));
    const listed = await Promise.all(
      refs.map(async (ref): Promise<Omit<Conversation, "online"> | undefined> => {
        const [page, unread] = await Promise.all([
          this.call(() => messages.page({ channel: ref.channel, limit: 1 })),
          this.call(() => messages.countUnread(ref.channel, markers.get(ref.channel) ?? BEFORE_ALL, viewerId, UNREAD_CAP)),
        ]);
        const last = page.messages[0];
        if (!last) return undefined; // noted before its message was stored, which then failed
        const peer = last.from.userId === ref.peerId ? last.from : last.to;
        const user = known.get(ref.peerId);
        const name = user?.name ?? peer?.name ?? ref.peerId;
        const account = user?.account ?? peer?.account;
        return { user: account === undefined ? { userId: ref.peerId, name } : { userId: ref.peerId, name, account }, last, unread };
      }),
    );
    return listed.filter((c) => c !== undefined);
  }

  /** Moves the viewer's read marker of a channel forward; returns the marker now stored. */
  async markRead(viewerId: string, input: ReadInput): Promise<ReadNotice> {
    const { upTo, ...channel } = input;
    const stored = await readableChannel(viewerId, channel, this.deps.roomExists);
    const marker = await this.call(() => this.deps.store.setRead(viewerId, stored, upTo));
    return { ...channel, upTo: marker } as ReadNotice;
  }

  /** Unread counts of the rooms the viewer has read before (others are absent). */
  async roomUnread(viewerId: string, rooms: readonly string[]): Promise<Map<string, number>> {
    const { store: people, messages } = this.deps;
    const markers = await this.call(() => people.readMarkers(viewerId, rooms.map(roomChannel)));
    const counts = await Promise.all(
      rooms.map(async (room) => {
        const marker = markers.get(roomChannel(room));
        if (marker === undefined) return undefined;
        const n = await this.call(() => messages.countUnread(roomChannel(room), marker, viewerId, UNREAD_CAP));
        return [room, n] as const;
      }),
    );
    return new Map(counts.filter((c) => c !== undefined));
  }

  /** Whom the viewer has private conversations with (the most recent CONVERSATIONS_SEARCHED). */
  async conversationPeers(viewerId: string): Promise<string[]> {
    const refs = await this.call(() => this.deps.store.conversations(viewerId, CONVERSATIONS_SEARCHED));
    return refs.map((r) => r.peerId);
  }

  /** The channels of the viewer's conversations (for search), most recent first. */
  async conversationChannels(viewerId: string): Promise<string[]> {
    const refs = await this.call(() => this.deps.store.conversations(viewerId, CONVERSATIONS_SEARCHED));
    return refs.map((r) => r.channel);
  }

  /** Records a stored private message in both people's conversation lists; idempotent. */
  noteConversation(a: string, b: string, channel: string, id: string): Promise<void> {
    return this.call(() => this.deps.store.noteConversation(a, b, channel, id));
  }
}
