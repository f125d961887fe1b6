/**
 * The in-memory store's counterpart of MongoDB's multikey index
 * `{ terms: 1, _id: -1 }`: for each term, the messages carrying it, sorted by
 * id. A search walks the shortest list of its terms newest first.
 */
import type { Page } from "../protocol.js";
import { toChatMessage, type SearchQuery, type StoredMessage } from "./store.js";

export class TermIndex {
  private readonly postings = new Map<string, StoredMessage[]>();

  /** Indexes a stored message under each of its terms. */
  add(message: StoredMessage): void {
    for (const term of message.terms ?? []) {
      const list = this.postings.get(term) ?? [];
      if (list.length === 0) this.postings.set(term, list);
      // Ids arrive in order almost always; insert at the right place when not.
      let at = list.length;
      while (at > 0 && list[at - 1]!.id > message.id) at--;
      list.splice(at, 0, message);
    }
  }

  /** Forgets a message (dropped from the store, or about to be re-indexed with new terms). */
  remove(message: StoredMessage): void {
    for (const term of message.terms ?? []) {
      const list = this.postings.get(term);
      if (!list) continue;
      const at = firstAtOrAfter(list, message.id);
      if (list[at] === message) list.splice(at, 1);
      if (list.length === 0) this.postings.delete(term);
    }
  }

  /**
   * Newest first: messages carrying every term, in one of `channels`, older
   * than `before`, not deleted, confirmed by `matches`. `channelList` gives
   * a channel's messages, walked instead when a single channel is smaller.
   */
  search(query: SearchQuery, channelList: (channel: string) => readonly StoredMessage[]): Page {
    const lists = query.terms.map((t) => this.postings.get(t) ?? []);
    let walk: readonly StoredMessage[] = lists.reduce((a, b) => (b.length < a.length ? b : a), lists[0] ?? []);
    if (query.channels.length === 1) {
      const only = channelList(query.channels[0]!);
      if (only.length < walk.length) walk = only;
    }
    const channels = new Set(query.channels);
    const found: StoredMessage[] = [];
    const end = query.before === undefined ? walk.length : firstAtOrAfter(walk, query.before);
    for (let i = end - 1; i >= 0 && found.length <= query.limit; i--) {
      const m = walk[i]!;
      if (!channels.has(m.channel) || isDeleted(m)) continue;
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
