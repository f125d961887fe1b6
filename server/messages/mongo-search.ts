/**
 * Search on MongoDB without `$text` (FerretDB v1 has no text index), in
 * bounded rounds, as the SQLite store searches its FTS index:
 *
 * 1. the next window of messages with a term that starts with the query's
 *    lead term (its longest, likeliest to be rare), newest first: ids only,
 *    from the multikey index `{ terms: 1, _id: -1 }`, whatever their channel —
 *    a word by an anchored regular expression (`/^meet/`, a range of the
 *    index: "meet" up to "meeu"), a CJK term by equality (no other term
 *    starts with it but longer CJK terms, whose characters are terms too);
 * 2. of those ids, the messages in the asker's channels, not deleted, that
 *    have a term starting with each term of the query — so the allowed
 *    channels are part of the database query and other people's messages
 *    never leave the database;
 * 3. each of them confirmed against its text.
 *
 * The regular expressions hold query terms only, escaped: a term is a run
 * of letters, marks and digits, so there is nothing to escape, but a query
 * such as `(a+)+` or `.*` must stay literal whatever the normaliser lets by.
 *
 * A query stops when its page is full, when the lead term has no more
 * messages, or once it has looked at SEARCH_MAX_CANDIDATES messages of the
 * lead term: then it answers what it found with `hasMore: false`. Without
 * that bound, a query whose words are everywhere except in the asker's
 * channels would have the database walk every message holding them — and a
 * one-letter word ("m") starts the words of most messages.
 */
import mongoose from "mongoose";
import type { LeanMessage, models } from "./message.model.js";
import type { SearchQuery } from "./message-store.js";
import { isCjkTerm } from "./search-terms.js";

/** Most messages holding the lead term that one search looks at, whatever their channel. */
export const SEARCH_MAX_CANDIDATES = 2_000;
/** Ids read per round beyond the page itself in the first round: most pages fill at once. */
const EXTRA = 10;
/** Largest round; rounds double up to it. */
const WINDOW_MAX = 512;

/** What a message's `terms` must hold for a query term: a term that starts with it. */
export function termFilter(term: string): string | RegExp {
  return isCjkTerm(term) ? term : new RegExp(`^${term.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&")}`);
}

export async function searchMongo(
  messages: ReturnType<typeof models>["Message"],
  query: SearchQuery,
  maxCandidates = SEARCH_MAX_CANDIDATES,
): Promise<{ docs: LeanMessage[]; hasMore: boolean }> {
  const lead = query.terms[0];
  if (lead === undefined) return { docs: [], hasMore: false };
  const channels = [...new Set(query.channels)];
  const found: LeanMessage[] = [];
  let before = query.before;
  let window = query.limit + 1 + EXTRA;
  for (let seen = 0; seen < maxCandidates && found.length <= query.limit; ) {
    const size = Math.min(window, maxCandidates - seen);
    const ids = await messages
      .find({ terms: termFilter(lead), ...(before !== undefined ? { _id: mongoose.trusted({ $lt: before }) } : {}) }, { _id: 1 })
      .sort({ _id: -1 })
      .limit(size)
      .lean<{ _id: string }[]>()
      .exec();
    if (ids.length === 0) break;
    seen += ids.length;
    before = ids.at(-1)!._id;
    const docs = await messages
      .find({
        _id: mongoose.trusted({ $in: ids.map((d) => d._id) }),
        channel: mongoose.trusted({ $in: channels }),
        // One condition per term: FerretDB v1 takes no regular expressions in `$all`.
        $and: query.terms.map((term) => ({ terms: termFilter(term) })),
        // Deleted messages never match (a deleted message also loses its text and terms).
        deletedAt: null,
      })
      .lean<LeanMessage[]>()
      .exec();
    docs.sort((a, b) => (a._id < b._id ? 1 : -1));
    for (const doc of docs) {
      if (!query.matches(doc.text ?? "")) continue;
      found.push(doc);
      if (found.length > query.limit) break;
    }
    if (ids.length < size) break;
    window = Math.min(WINDOW_MAX, window * 2);
  }
  return { docs: found.slice(0, query.limit), hasMore: found.length > query.limit };
}
