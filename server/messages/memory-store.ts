/**
 * In-memory store: the default when no MONGODB_URI is set, for trying the
 * chat out and for tests. History lives as long as the process. Memory is
 * bounded: each channel keeps its newest `maxPerChannel` messages, and past
 * `maxTotal` messages in all, the oldest message of the channel written to
 * least recently goes.
 *
 * Revs come from one generator that never goes backwards, and every method
 * runs to completion without awaiting, so changes are atomic and each rev is
 * greater than every earlier one of this store — of any channel.
 */
import type { ChatMessage, Page } from "../protocol.js";
import { MemoryPeopleStore } from "../users/memory-people-store.js";
import { wouldChange, type ChangeResult, type MessageChange } from "./message-change.js";
import { createIdGenerator } from "./message-id.js";
import {
  copyStored,
  firstVersion,
  toChatMessage,
  type ChangesQuery,
  type InsertResult,
  type MessageStore,
  type NewMessage,
  type PageQuery,
  type SearchQuery,
  type StoredMessage,
} from "./store.js";
import { searchTerms } from "./search-terms.js";
import { TermIndex } from "./term-index.js";

export class MemoryStore implements MessageStore {
  readonly kind = "memory";
  /** Per channel, ordered by id. */
  private readonly channels = new Map<string, StoredMessage[]>();
  /** Per channel, ordered by rev: the change feed. */
  private readonly byRev = new Map<string, StoredMessage[]>();
  private readonly byId = new Map<string, StoredMessage>();
  private readonly byKey = new Map<string, StoredMessage>();
  private readonly rooms = new Set<string>();
  private readonly terms = new TermIndex();
  private readonly channelList = (channel: string): readonly StoredMessage[] => this.channels.get(channel) ?? [];
  readonly people: MemoryPeopleStore;
  private readonly revs = createIdGenerator();

  private total = 0;

  /** `maxPeople`: see MemoryPeopleStore. */
  constructor(
    private readonly maxPerChannel = 10_000,
    private readonly maxTotal = 1_000_000,
    maxPeople = 100_000,
  ) {
    this.people = new MemoryPeopleStore(this.channelList, { maxPeople });
  }

  async init(): Promise<void> {}

  async isReady(): Promise<boolean> {
    return true;
  }

  async insert(message: NewMessage): Promise<InsertResult> {
    const keyOf = `${message.from.userId}\u0000${message.key}`;
    const existing = this.byKey.get(keyOf);
    if (existing) return { message: view(existing), created: false };

    const stored = firstVersion(message, this.revs());
    const list = this.channels.get(stored.channel) ?? [];
    // Re-inserting keeps the map ordered from least to most recently written.
    this.channels.delete(stored.channel);
    this.channels.set(stored.channel, list);
    // Ids arrive in order almost always; insert at the right place when not.
    let at = list.length;
    while (at > 0 && list[at - 1]!.id > stored.id) at--;
    if (at === list.length) list.push(stored);
    else list.splice(at, 0, stored);
    this.revList(stored.channel).push(stored);
    this.byKey.set(keyOf, stored);
    this.terms.add(stored);
    this.byId.set(stored.id, stored);
    this.total++;
    if (list.length > this.maxPerChannel) this.drop(list, list.length - this.maxPerChannel);
    while (this.total > this.maxTotal) {
      const [channel, oldest] = this.channels.entries().next().value!;
      this.drop(oldest, 1);
      if (oldest.length === 0) {
        this.channels.delete(channel);
        this.byRev.delete(channel);
      }
    }
    return { message: view(stored), created: true };
  }

  private revList(channel: string): StoredMessage[] {
    let list = this.byRev.get(channel);
    if (!list) this.byRev.set(channel, (list = []));
    return list;
  }

  /** Forgets the `count` oldest messages of a channel, with their idempotency keys. */
  private drop(list: StoredMessage[], count: number): void {
    for (const dropped of list.splice(0, count)) {
      this.byKey.delete(`${dropped.from.userId}\u0000${dropped.key}`);
      this.terms.remove(dropped);
      this.byId.delete(dropped.id);
      this.unlinkRev(dropped);
      this.total--;
    }
  }

  private unlinkRev(message: StoredMessage): void {
    const list = this.revList(message.channel);
    const at = firstIndex(list, (m) => m.rev >= message.rev);
    if (list[at] === message) list.splice(at, 1);
  }

  async findByKey(userId: string, key: string): Promise<ChatMessage | undefined> {
    const stored = this.byKey.get(`${userId}\u0000${key}`);
    return stored && view(stored);
  }

  async page({ channel, before, after, limit }: PageQuery): Promise<Page> {
    const list = this.channels.get(channel) ?? [];
    const copy = (slice: StoredMessage[]) => slice.map(view);
    if (after !== undefined) {
      const start = upperBound(list, after);
      const end = Math.min(list.length, start + limit);
      return { messages: copy(list.slice(start, end)), hasMore: end < list.length };
    }
    const end = before === undefined ? list.length : lowerBound(list, before);
    const start = Math.max(0, end - limit);
    return { messages: copy(list.slice(start, end)), hasMore: start > 0 };
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    const stored = this.byId.get(id);
    return stored && copyStored(stored);
  }

  async change(
    id: string,
    change: MessageChange,
    allow: (current: StoredMessage) => void,
  ): Promise<ChangeResult | undefined> {
    const stored = this.byId.get(id);
    if (!stored) return undefined;
    allow(copyStored(stored));
    if (!wouldChange(stored, change)) return { message: view(stored), changed: false };
    this.unlinkRev(stored);
    // Search follows the current text: re-index under the new terms.
    this.terms.remove(stored);
    apply(stored, change);
    this.terms.add(stored);
    stored.rev = this.revs();
    this.revList(stored.channel).push(stored);
    return { message: view(stored), changed: true };
  }

  async changes({ channel, after, limit }: ChangesQuery): Promise<Page> {
    const list = this.byRev.get(channel) ?? [];
    const start = firstIndex(list, (m) => m.rev > after);
    const end = Math.min(list.length, start + limit);
    return { messages: list.slice(start, end).map(view), hasMore: end < list.length };
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

/** Applies a change in place. The one place where a stored message's text changes. */
function apply(message: StoredMessage, change: MessageChange): void {
  switch (change.kind) {
    case "edit":
      message.text = change.text;
      message.terms = searchTerms(change.text);
      message.editedAt = change.at;
      return;
    case "delete":
      message.text = "";
      message.terms = [];
      message.deletedAt = change.at;
      delete message.reactions;
      delete message.mentions;
      return;
    case "react": {
      const reactions = (message.reactions ??= []);
      let entry = reactions.find((r) => r.emoji === change.emoji);
      if (!entry) reactions.push((entry = { emoji: change.emoji, userIds: [] }));
      // An emptied entry keeps its place, as the MongoDB store's map field does.
      entry.userIds = change.on ? [...entry.userIds, change.userId] : entry.userIds.filter((u) => u !== change.userId);
      return;
    }
  }
}

/** A copy for clients: without the storage fields and without empty reactions. */
const view = toChatMessage;

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
