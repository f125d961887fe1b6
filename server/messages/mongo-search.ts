/**
 * Search on MongoDB without `$text` (FerretDB v1 has no text index): the
 * terms are matched with `$all` over the multikey index `{ terms: 1, _id: -1 }`
 * — MongoDB's planner bounds the scan by one of the terms, newest first, so a
 * page stops as soon as it is full — and each candidate is then confirmed
 * against its text.
 */
import mongoose from "mongoose";
import type { LeanMessage, models } from "./message.model.js";
import type { SearchQuery } from "./message-store.js";

/** Candidates read per round trip beyond the page itself: confirmation rarely rejects one. */
const EXTRA = 10;
/** Rounds before giving up on filling a page whose candidates keep failing confirmation. */
const MAX_ROUNDS = 20;

export async function searchMongo(
  messages: ReturnType<typeof models>["Message"],
  query: SearchQuery,
): Promise<{ docs: LeanMessage[]; hasMore: boolean }> {
  const found: LeanMessage[] = [];
  let before = query.before;
  for (let round = 0; round < MAX_ROUNDS && found.length <= query.limit; round++) {
    const batch = query.limit + 1 - found.length + EXTRA;
    const filter = {
      terms: mongoose.trusted({ $all: query.terms }),
      channel: mongoose.trusted({ $in: query.channels }),
      // Deleted messages never match (a deleted message also loses its text and terms).
      deletedAt: null,
      ...(before !== undefined ? { _id: mongoose.trusted({ $lt: before }) } : {}),
    };
    const docs = await messages.find(filter).sort({ _id: -1 }).limit(batch).lean<LeanMessage[]>().exec();
    for (const doc of docs) if (query.matches(doc.text ?? "")) found.push(doc);
    if (docs.length < batch) break;
    before = docs.at(-1)!._id;
  }
  return { docs: found.slice(0, query.limit), hasMore: found.length > query.limit };
}
