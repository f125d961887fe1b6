/**
 * The people store (protocol v1.1): who has ever connected, each person's
 * private conversations, and read markers. Implementations:
 * sqlite-people-store.ts and mongo-people-store.ts; both pass
 * test/helpers/people-store-contract.ts. Unread counts are the message
 * store's (they count messages). It knows nothing of Socket.IO.
 */

/** Someone who has connected to this deployment at least once. */
/** `account`: the username, once that person has claimed one (it is never taken back). */
export type KnownUser = { userId: string; name: string; lastSeen: string; account?: string };

/** One of a person's private conversations, from their side. */
export type ConversationRef = { peerId: string; channel: string; lastId: string };

export interface PeopleStore {
  /**
   * Records that a person is (or was just) connected under this name, and
   * their account's username when signed in (kept once known: a guest tab
   * left open from before signing up does not erase it).
   */
  upsertUser(userId: string, name: string, seenAt: Date, account?: string): Promise<void>;
  /** The known people among `userIds`, in no particular order. */
  findUsers(userIds: readonly string[]): Promise<KnownUser[]>;
  /**
   * Records a private message `id` between `a` and `b` in both people's
   * conversation lists. Idempotent, and never moves a conversation back to
   * an older message, so a retry may call it again.
   */
  noteConversation(a: string, b: string, channel: string, id: string): Promise<void>;
  /** A person's conversations, most recent first, at most `limit`. */
  conversations(userId: string, limit: number): Promise<ConversationRef[]>;
  /** Moves a read marker forward (never back); resolves with the marker now stored. */
  setRead(userId: string, channel: string, upTo: string): Promise<string>;
  /** A person's read markers for the given channels (absent: never read). */
  readMarkers(userId: string, channels: readonly string[]): Promise<Map<string, string>>;
}
