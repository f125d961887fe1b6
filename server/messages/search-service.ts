/**
 * Search (protocol v1.1): what a person may search and how. A query runs over
 * the channels channels/access.ts lets the asker read — public rooms,
 * broadcasts and their own conversations — and the channel list goes to the
 * store with the query, so other people's private messages are never even
 * candidates; or over one of those channels. Matching is in search-terms.ts;
 * each store serves it from an index of its own.
 */
import { readableChannel, searchableChannels } from "../channels/access.js";
import type { Page, SearchInput } from "../protocol.js";
import type { Limiter } from "../storage/limiter.js";
import { storageCall } from "../storage/storage-call.js";
import type { MessageStore } from "./message-store.js";
import { searchMatcher } from "./search-terms.js";

export type SearchServiceDeps = {
  store: MessageStore;
  limiter: Limiter;
  /** Every chat room (RoomService.list). */
  rooms: () => Promise<string[]>;
  roomExists: (name: string) => Promise<boolean>;
  /** The stored channels of a person's own conversations, most recent first (PeopleService.conversationChannels). */
  conversationChannels: (userId: string) => Promise<string[]>;
};

export class SearchService {
  constructor(private readonly deps: SearchServiceDeps) {}

  /**
   * Newest first, older than `before`: messages the viewer may read in which
   * every word of `q` starts a word. A query with no letter or digit has
   * nothing to match: no messages (after the narrowing is checked, so a
   * missing room is NOT_FOUND whatever `q` holds).
   */
  async search(viewerId: string, input: SearchInput): Promise<Page> {
    const { q, before, limit, ...narrow } = input;
    const matcher = searchMatcher(q);
    const channels =
      "room" in narrow || "with" in narrow || "broadcast" in narrow
        ? [await readableChannel(viewerId, narrow, this.deps.roomExists)]
        : searchableChannels(await this.deps.rooms(), await this.deps.conversationChannels(viewerId));
    if (matcher.terms.length === 0) return { messages: [], hasMore: false };
    const { terms, phrases, matches } = matcher;
    return storageCall(this.deps.limiter, () => this.deps.store.search({ terms, phrases, channels, before, limit, matches }));
  }
}
