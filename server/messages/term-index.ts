/**
 * The in-memory store's counterpart of MongoDB's multikey index
 * `{ terms: 1, _id: -1 }`: for each term, the messages carrying it, sorted by
 * id. A search walks the shortest list of its terms newest first.
 */
import type { Page } from "../protocol.js";
import { toChatMessage, type SearchQuery, type StoredMessage } from "./store.js";

/**
 * The messages carrying one term, sorted by id, and those of them removed
 * since the list was last compacted. Removal only marks: a message leaves
 * the store oldest first, and splicing it out of the front of a list as long
 * as the store (a common word's) moved the whole list on every message.
 */
type Postings = { list: StoredMessage[]; removed: Set<StoredMessage> };

export class TermIndex {
  private readonly postings = new Map<string, Postings>();

  /** Indexes a stored message under each of its terms. */
  add(message: StoredMessage): void {
    for (const term of message.terms ?? []) {
      let entry = this.postings.get(term);
      if (!entry) this.postings.set(term, (entry = { list: [], removed: new Set() }));
      // Removed but not compacted away yet: it is still in its place.
      if (entry.removed.delete(message)) continue;
      const { list } = entry;
      // Ids arrive in order almost always; insert at the right place when not.
      let at = list.length;
      while (at > 0 && list[at - 1]!.id > message.id) at--;
      if (at === list.length) list.push(message);
      else list.splice(at, 0, message);
    }
  }

  /** Forgets a message (dropped from the store, or about to be re-indexed with new terms). */
  remove(message: StoredMessage): void {
    for (const term of message.terms ?? []) {
      const entry = this.postings.get(term);
      if (!entry) continue;
      entry.removed.add(message);
      // Compacted once half of the list is removed: each removal costs O(1) on average.
      if (entry.removed.size * 2 >= entry.list.length) this.compact(term, entry);
    }
  }

  private compact(term: string, entry: Postings): void {
    entry.list = entry.list.filter((m) => !entry.removed.has(m));
    entry.removed.clear();
    if (entry.list.length === 0) this.postings.delete(term);
  }

  /**
   * Newest first: messages carrying every term, in one of `channels`, older
   * than `before`, not deleted, confirmed by `matches`. `channelList` gives
   * a channel's messages, walked instead when a single channel is smaller.
   */
  search(query: SearchQuery, channelList: (channel: string) => readonly StoredMessage[]): Page {
    const entries = query.terms.map((t) => this.postings.get(t));
    const shortest = entries.reduce<Postings | undefined>(
      (a, b) => (b === undefined || a === undefined ? undefined : b.list.length < a.list.length ? b : a),
      entries[0],
    );
    let walk: readonly StoredMessage[] = shortest?.list ?? [];
    let removed: ReadonlySet<StoredMessage> = shortest?.removed ?? new Set();
    if (query.channels.length === 1) {
      const only = channelList(query.channels[0]!);
      if (only.length < walk.length) {
        walk = only;
        removed = new Set();
      }
    }
    const channels = new Set(query.channels);
    const found: StoredMessage[] = [];
    const end = query.before === undefined ? walk.length : firstAtOrAfter(walk, query.before);
    for (let i = end - 1; i >= 0 && found.length <= query.limit; i--) {
      const m = walk[i]!;
      if (removed.has(m) || !channels.has(m.channel) || isDeleted(m)) continue;
      const terms = m.terms ?? [];
      if (!query.terms.every((t) => terms.includes(t)) || !query.matches(m.text)) continue;
      found.push(m);
    }
    return {
      messages: found.slice(0, query.limit).map(toChatMessage),
      hasMore: found.length > query.limit,
    };
  }
}

/** Deleted messages never match (the `deletedAt` of protocol v1.1). */
function isDeleted(message: StoredMessage): boolean {
  return (message as { deletedAt?: unknown }).deletedAt != null;
}

/** Index of the first message whose id is >= `id` (list sorted by id). */
function firstAtOrAfter(list: readonly StoredMessage[], id: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.id >= id) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
