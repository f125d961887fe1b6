/**
 * Search (protocol v1.1): what a person may search and how. A query runs over
 * public rooms, broadcasts and the asker's own conversations only — the
 * channel list goes to the store with the query, so other people's private
 * messages are never even candidates — or over one of those channels.
 * Matching is in search-terms.ts; the stores serve it from a terms index.
 */
import { AppError } from "../errors.js";
import type { Page, SearchInput } from "../protocol.js";
import { channelFor } from "../users/channels.js";
import type { PeopleService } from "../users/people-service.js";
import { BROADCAST_CHANNEL, roomChannel } from "./channel.js";
import type { Limiter } from "./limiter.js";
import { searchMatcher } from "./search-terms.js";
import { storageCall } from "./storage-call.js";
import type { MessageStore } from "./store.js";

export type SearchServiceDeps = {
  store: MessageStore;
  limiter: Limiter;
  people: PeopleService;
  /** Every chat room. */
  rooms: () => Promise<string[]>;
  roomExists: (name: string) => Promise<boolean>;
};

export class SearchService {
  constructor(private readonly deps: SearchServiceDeps) {}

  /** Newest first, older than `before`: messages the viewer may read that contain every word of `q`. */
  async search(viewerId: string, input: SearchInput): Promise<Page> {
    const { q, before, limit, ...narrow } = input;
    const matcher = searchMatcher(q);
    if (matcher.terms.length === 0) throw new AppError("INVALID_INPUT", "q: must contain a letter or a digit");
    const channels =
      "room" in narrow || "with" in narrow || "broadcast" in narrow
        ? [await channelFor(viewerId, narrow, this.deps.roomExists)]
        : [
            ...(await this.deps.rooms()).map(roomChannel),
            BROADCAST_CHANNEL,
            ...(await this.deps.people.conversationChannels(viewerId)),
          ];
    return storageCall(this.deps.limiter, () =>
      this.deps.store.search({ terms: matcher.terms, channels, before, limit, matches: matcher.matches }),
    );
  }
}
