/**
 * In-memory store: the default when no MONGODB_URI is set, for trying the
 * chat out and for tests. History lives as long as the process. Memory is
 * bounded: each channel keeps its newest `maxPerChannel` messages, and past
 * `maxTotal` messages in all, the oldest message of the channel written to
 * least recently goes.
 */
import type { ChatMessage, Page } from "../protocol.js";
import { MemoryPeopleStore } from "../users/memory-people-store.js";
import {
  toChatMessage,
  type InsertResult,
  type MessageStore,
  type PageQuery,
  type SearchQuery,
  type StoredMessage,
} from "./store.js";
import { TermIndex } from "./term-index.js";

export class MemoryStore implements MessageStore {
  readonly kind = "memory";
  private readonly channels = new Map<string, StoredMessage[]>();
  private readonly byKey = new Map<string, StoredMessage>();
  private readonly rooms = new Set<string>();
  private readonly terms = new TermIndex();
  private readonly channelList = (channel: string): readonly StoredMessage[] => this.channels.get(channel) ?? [];
  readonly people = new MemoryPeopleStore(this.channelList);

  private total = 0;

  constructor(
    private readonly maxPerChannel = 10_000,
    private readonly maxTotal = 1_000_000,
  ) {}

  async init(): Promise<void> {}

  async isReady(): Promise<boolean> {
    return true;
  }

  async insert(message: StoredMessage): Promise<InsertResult> {
    const keyOf = `${message.from.userId}\u0000${message.key}`;
    const existing = this.byKey.get(keyOf);
    if (existing) return { message: toChatMessage(existing), created: false };

    const stored = structuredClone(message);
    const list = this.channels.get(stored.channel) ?? [];
    // Re-inserting keeps the map ordered from least to most recently written.
    this.channels.delete(stored.channel);
    this.channels.set(stored.channel, list);
    // Ids arrive in order almost always; insert at the right place when not.
    let at = list.length;
    while (at > 0 && list[at - 1]!.id > stored.id) at--;
    list.splice(at, 0, stored);
    this.byKey.set(keyOf, stored);
    this.terms.add(stored);
    this.total++;
    if (list.length > this.maxPerChannel) this.drop(list, list.length - this.maxPerChannel);
    while (this.total > this.maxTotal) {
      const [channel, oldest] = this.channels.entries().next().value!;
      this.drop(oldest, 1);
      if (oldest.length === 0) this.channels.delete(channel);
    }
    return { message: toChatMessage(stored), created: true };
  }

  /** Forgets the `count` oldest messages of a channel, with their idempotency keys. */
  private drop(list: StoredMessage[], count: number): void {
    for (const dropped of list.splice(0, count)) {
      this.byKey.delete(`${dropped.from.userId}\u0000${dropped.key}`);
      this.terms.remove(dropped);
      this.total--;
    }
  }

  async findByKey(userId: string, key: string): Promise<ChatMessage | undefined> {
    const stored = this.byKey.get(`${userId}\u0000${key}`);
    return stored && structuredClone(toChatMessage(stored));
  }

  async page({ channel, before, after, limit }: PageQuery): Promise<Page> {
    const list = this.channels.get(channel) ?? [];
    const copy = (slice: StoredMessage[]) => slice.map((m) => structuredClone(toChatMessage(m)));
    if (after !== undefined) {
      const start = upperBound(list, after);
      const end = Math.min(list.length, start + limit);
      return { messages: copy(list.slice(start, end)), hasMore: end < list.length };
    }
    const end = before === undefined ? list.length : lowerBound(list, before);
    const start = Math.max(0, end - limit);
    return { messages: copy(list.slice(start, end)), hasMore: start > 0 };
  }

  async addRoom(name: string): Promise<void> {
    this.rooms.add(name);
  }

  async listRooms(): Promise<string[]> {
    return [...this.rooms];
  }

  async search(query: SearchQuery): Promise<Page> {
    return this.terms.search(query, this.channelList);
  }

  async close(): Promise<void> {}
}

/** Index of the first message whose id is >= `id` (list sorted by id). */
const lowerBound = (list: readonly StoredMessage[], id: string) => firstIndex(list, (m) => m.id >= id);

/** Index of the first message whose id is > `id`. */
const upperBound = (list: readonly StoredMessage[], id: string) => firstIndex(list, (m) => m.id > id);

/** Binary search: the first index where `past` holds (it must hold for a suffix of the list). */
function firstIndex(list: readonly StoredMessage[], past: (m: StoredMessage) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
