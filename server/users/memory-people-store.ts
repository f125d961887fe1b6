/**
 * The in-memory PeopleStore, beside the in-memory message store: counts
 * unread messages straight from that store's channel lists.
 *
 * Memory is bounded like the messages': anyone can connect without a token
 * and become someone new, so past `maxPeople` people the one written to
 * least recently (seen, in a conversation, or reading) is forgotten with
 * their conversation list and read markers, and each person keeps the
 * `maxMarkersPerPerson` read markers they set most recently.
 */
import type { StoredMessage } from "../messages/store.js";
import type { ConversationRef, KnownUser, PeopleStore } from "./people-store.js";

/**
 * All this store knows of one person; `user` is absent until they connect.
 * The maps are made on first use: most people never have either.
 */
type Person = {
  user?: KnownUser;
  /** peerId → conversation. */
  convs?: Map<string, ConversationRef>;
  /** channel → marker, least recently set first. */
  markers?: Map<string, string>;
};

export class MemoryPeopleStore implements PeopleStore {
  /** userId → person, least recently written first. */
  private readonly people = new Map<string, Person>();

  /** @param channel the messages of a channel, sorted by id */
  constructor(
    private readonly channel: (name: string) => readonly StoredMessage[],
    private readonly maxPeople = 100_000,
    private readonly maxMarkersPerPerson = 1_000,
  ) {}

  /** The person `userId`, created if need be, moved to the most recently written end. */
  private touch(userId: string): Person {
    const person = this.people.get(userId) ?? {};
    this.people.delete(userId);
    this.people.set(userId, person);
    while (this.people.size > this.maxPeople) this.people.delete(this.people.keys().next().value!);
    return person;
  }

  async upsertUser(userId: string, name: string, seenAt: Date): Promise<void> {
    const person = this.touch(userId);
    const lastSeen = seenAt.toISOString();
    const previous = person.user?.lastSeen;
    person.user = { userId, name, lastSeen: previous !== undefined && previous > lastSeen ? previous : lastSeen };
  }

  async findUsers(userIds: readonly string[]): Promise<KnownUser[]> {
    return userIds.flatMap((id) => {
      const user = this.people.get(id)?.user;
      return user ? [{ ...user }] : [];
    });
  }

  async noteConversation(a: string, b: string, channel: string, id: string): Promise<void> {
    for (const [owner, peerId] of [
      [a, b],
      [b, a],
    ] as const) {
      const person = this.touch(owner);
      const convs = (person.convs ??= new Map());
      const current = convs.get(peerId);
      if (!current || current.lastId < id) convs.set(peerId, { peerId, channel, lastId: id });
    }
  }

  async conversations(userId: string, limit: number): Promise<ConversationRef[]> {
    const mine = [...(this.people.get(userId)?.convs?.values() ?? [])];
    return mine
      .sort((x, y) => (x.lastId < y.lastId ? 1 : -1))
      .slice(0, limit)
      .map((c) => ({ ...c }));
  }

  async setRead(userId: string, channel: string, upTo: string): Promise<string> {
    const person = this.touch(userId);
    const markers = (person.markers ??= new Map());
    const current = markers.get(channel);
    const next = current !== undefined && current > upTo ? current : upTo;
    markers.delete(channel);
    markers.set(channel, next);
    if (markers.size > this.maxMarkersPerPerson) markers.delete(markers.keys().next().value!);
    return next;
  }

  async readMarkers(userId: string, channels: readonly string[]): Promise<Map<string, string>> {
    const mine = this.people.get(userId)?.markers;
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
