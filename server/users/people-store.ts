/**
 * Storage for people and what they have read (protocol v1.1): who has ever
 * connected, each person's private conversations, and read markers. Both
 * message stores carry one (`store.people`); it knows nothing of Socket.IO.
 */

/** Someone who has connected to this deployment at least once. */
export type KnownUser = { userId: string; name: string; lastSeen: string };

/** One of a person's private conversations, from their side. */
export type ConversationRef = { peerId: string; channel: string; lastId: string };

export interface PeopleStore {
  /** Records that a person is (or was just) connected under this name. */
  upsertUser(userId: string, name: string, seenAt: Date): Promise<void>;
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
  /**
   * How many messages of `channel` are newer than `after` and not sent by
   * `reader`, counting at most `cap` of them.
   */
  countUnread(channel: string, after: string, reader: string, cap: number): Promise<number>;
}

/** The id every message id sorts after: a conversation never read counts from here. */
export const BEFORE_ALL = "0".repeat(24);
