/**
 * The in-memory PeopleStore, beside the in-memory message store: counts
 * unread messages straight from that store's channel lists.
 *
 * Memory is bounded like the messages', because anyone can connect without a
 * token and be someone new. It remembers at most `maxPeople` people; each
 * keeps their `maxPerPerson` most recently updated conversations and most
 * recently set read markers, and all of them together at most `maxEntries`
 * conversations and markers. Past a bound, the person written to least
 * recently (seen, in a conversation, or reading) is forgotten with all they
 * had, those who have neither conversations nor markers first, so that
 * identities made and dropped in bulk push out only each other. A forgotten
 * read marker counts as never read.
 */
import type { StoredMessage } from "../messages/store.js";
import type { ConversationRef, KnownUser, PeopleStore } from "./people-store.js";

/**
 * All this store knows of one person; `user` is absent until they connect.
 * The maps are made on first use: most people never have either.
 */
type Person = {
  user?: KnownUser;
  /** peerId → conversation, least recently updated first. */
  convs?: Map<string, ConversationRef>;
  /** channel → marker, least recently set first. */
  markers?: Map<string, string>;
};

export type PeopleBounds = { maxPeople: number; maxPerPerson: number; maxEntries: number };

export class MemoryPeopleStore implements PeopleStore {
  /** userId → person, least recently written first. */
  private readonly people = new Map<string, Person>();
  /** The people with neither conversations nor markers, least recently written first. */
  private readonly bare = new Set<string>();
  /** Conversations and markers of everyone. */
  private entries = 0;
  private readonly bounds: PeopleBounds;

  /** @param channel the messages of a channel, sorted by id */
  constructor(
    private readonly channel: (name: string) => readonly StoredMessage[],
    bounds: Partial<PeopleBounds> = {},
  ) {
    const maxPeople = bounds.maxPeople ?? 100_000;
    this.bounds = { maxPeople, maxPerPerson: bounds.maxPerPerson ?? 1_000, maxEntries: bounds.maxEntries ?? maxPeople * 10 };
  }

  /** The person `userId`, created if need be, moved to the most recently written end. */
  private touch(userId: string): Person {
    const person = this.people.get(userId) ?? {};
    this.people.delete(userId);
    this.people.set(userId, person);
    if (!person.convs && !person.markers) {
      this.bare.delete(userId);
      this.bare.add(userId);
    }
    return person;
  }

  /** Sets `key` in one of a person's maps as its most recent entry, within the per-person bound. */
  private put<V>(userId: string, map: Map<string, V>, key: string, value: V): void {
    this.bare.delete(userId);
    if (!map.delete(key)) this.entries++;
    map.set(key, value);
    if (map.size > this.bounds.maxPerPerson) {
      map.delete(map.keys().next().value!);
      this.entries--;
    }
  }

  /**
   * Forgets people until within bounds, least recently written first (bare
   * ones first when there are too many people), never one of `keep`: the
   * people just written to.
   */
  private trim(...keep: string[]): void {
    const { maxPeople, maxEntries } = this.bounds;
    const oldest = (keys: Iterable<string>) => {
      for (const key of keys) if (!keep.includes(key)) return key;
      return undefined;
    };
    for (;;) {
      const tooMany = this.people.size > maxPeople;
      if (!tooMany && this.entries <= maxEntries) return;
      const gone = (tooMany ? oldest(this.bare) : undefined) ?? oldest(this.people.keys());
      if (gone === undefined) return;
      const person = this.people.get(gone)!;
      this.people.delete(gone);
      this.bare.delete(gone);
      this.entries -= (person.convs?.size ?? 0) + (person.markers?.size ?? 0);
    }
  }

  async upsertUser(userId: string, name: string, seenAt: Date): Promise<void> {
    const person = this.touch(userId);
    const lastSeen = seenAt.toISOString();
    const previous = person.user?.lastSeen;
    person.user = { userId, name, lastSeen: previous !== undefined && previous > lastSeen ? previous : lastSeen };
    this.trim(userId);
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
      if (!current || current.lastId < id) this.put(owner, convs, peerId, { peerId, channel, lastId: id });
    }
    this.trim(a, b);
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
    this.put(userId, markers, channel, next);
    this.trim(userId);
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
