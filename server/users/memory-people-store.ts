/**
 * The in-memory PeopleStore, beside the in-memory message store: counts
 * unread messages straight from that store's channel lists.
 */
import type { StoredMessage } from "../messages/store.js";
import type { ConversationRef, KnownUser, PeopleStore } from "./people-store.js";

export class MemoryPeopleStore implements PeopleStore {
  private readonly users = new Map<string, KnownUser>();
  /** userId → peerId → conversation. */
  private readonly convs = new Map<string, Map<string, ConversationRef>>();
  /** userId → channel → marker. */
  private readonly markers = new Map<string, Map<string, string>>();

  /** @param channel the messages of a channel, sorted by id */
  constructor(private readonly channel: (name: string) => readonly StoredMessage[]) {}

  async upsertUser(userId: string, name: string, seenAt: Date): Promise<void> {
    const previous = this.users.get(userId);
    const lastSeen = seenAt.toISOString();
    this.users.set(userId, { userId, name, lastSeen: previous && previous.lastSeen > lastSeen ? previous.lastSeen : lastSeen });
  }

  async findUsers(userIds: readonly string[]): Promise<KnownUser[]> {
    return userIds.flatMap((id) => {
      const user = this.users.get(id);
      return user ? [{ ...user }] : [];
    });
  }

  async noteConversation(a: string, b: string, channel: string, id: string): Promise<void> {
    for (const [owner, peerId] of [
      [a, b],
      [b, a],
    ] as const) {
      const mine = this.convs.get(owner) ?? new Map<string, ConversationRef>();
      this.convs.set(owner, mine);
      const current = mine.get(peerId);
      if (!current || current.lastId < id) mine.set(peerId, { peerId, channel, lastId: id });
    }
  }

  async conversations(userId: string, limit: number): Promise<ConversationRef[]> {
    const mine = [...(this.convs.get(userId)?.values() ?? [])];
    return mine
      .sort((x, y) => (x.lastId < y.lastId ? 1 : -1))
      .slice(0, limit)
      .map((c) => ({ ...c }));
  }

  async setRead(userId: string, channel: string, upTo: string): Promise<string> {
    const mine = this.markers.get(userId) ?? new Map<string, string>();
    this.markers.set(userId, mine);
    const current = mine.get(channel);
    const next = current !== undefined && current > upTo ? current : upTo;
    mine.set(channel, next);
    return next;
  }

  async readMarkers(userId: string, channels: readonly string[]): Promise<Map<string, string>> {
    const mine = this.markers.get(userId);
    const out = new Map<string, string>();
    for (const channel of channels) {
      const marker = mine?.get(channel);
      if (marker !== undefined) out.set(channel, marker);
    }
    return out;
  }

  async countUnread(channel: string, after: string, reader: string, cap: number): Promise<number> {
    const list = this.channel(channel);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.id > after) hi = mid;
      else lo = mid + 1;
    }
    let count = 0;
    for (let i = lo; i < list.length && count < cap; i++) if (list[i]!.from.userId !== reader) count++;
    return count;
  }
}
