/**
 * The chat protocol (v1 and the v1.1 additions): event maps, payload schemas and shared types.
 *
 * This file is the single source of truth for what travels over Socket.IO.
 * It is imported by the server and bundled into the browser client, so it
 * must depend on nothing but zod. PROTOCOL.md in the README describes the
 * same contract in prose.
 */
import { z } from "zod";
import { LIMITS, lengthBetween, nameProblem, roomProblem } from "./names.js";

export const ERROR_CODES = [
  "INVALID_INPUT",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "NOT_IN_ROOM",
  "RATE_LIMITED",
  "UNAVAILABLE",
  "INTERNAL",
  /** v1.2 (accounts), a refused connection only: a guest's display name is an account's username. */
  "NAME_TAKEN",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export { DEFAULT_ROOMS, LIMITS } from "./names.js";

/** `account` (v1.2): the username, when that socket is signed in to an account. */
export type User = { userId: string; name: string; account?: string; socketId: string };

export type MessageKind = "room" | "broadcast" | "private" | "system";

export type ChatMessage = {
  /** Server-assigned, unique, sorts (as a string) in creation order. */
  id: string;
  kind: MessageKind;
  room?: string;
  from: User;
  to?: User;
  /** Plain text: render with textContent, never as HTML. */
  text: string;
  createdAt: string;
  clientId?: string;
  /** userIds the sender mentioned (protocol v1.1). */
  mentions?: string[];
  /** 24 hex; sorts by the time of the latest change; greater than every earlier rev of its channel (v1.1). */
  rev: string;
  editedAt?: string;
  /** Set by delete: the message is a tombstone, its text "" and no reactions. */
  deletedAt?: string;
  /** In order of first use; absent when there are none. */
  reactions?: Reaction[];
  /**
   * A snapshot of the quoted message, its text cut to LIMITS.quoteMax characters;
   * once the quoted message is deleted, its text is "" and `deleted` is true.
   */
  replyTo?: ReplyTo;
  /** Files sent with the message (v1.2), fetched over HTTP; a tombstone has none. */
  attachments?: Attachment[];
};

/**
 * An uploaded file (v1.2): `GET /api/attachments/:id` serves its bytes and
 * `/api/attachments/:id/thumb` an image's thumbnail. `type` is detected from
 * the content; `name` is the uploader's file name, plain text.
 */
export type Attachment = { id: string; name: string; type: string; size: number; width?: number; height?: number };

export type Reaction = { emoji: string; userIds: string[] };
/** `deleted`: the quoted message was deleted, and `text` is "" (absent otherwise). */
export type ReplyTo = { id: string; from: User; text: string; deleted?: true };

export type AckError = { code: ErrorCode; message: string };
export type Ack<T extends object> = ({ ok: true } & T) | { ok: false; error: AckError };
export type AckFn<T extends object> = (response: Ack<T>) => void;

/**
 * `token`: a guest's identity token, to present again. A socket signed in to
 * an account (v1.2) gets `account` instead, and no token.
 */
export type Session = { userId: string; name: string; token?: string; account?: string; socketId: string };
/** `unread` (v1.1): only for rooms the asker has a read marker in. */
export type RoomInfo = { name: string; members: number; unread?: number };
export type Page = { messages: ChatMessage[]; hasMore: boolean };
/** `history { around }` (v1.2): oldest first, the message itself among them. */
export type AroundPage = { messages: ChatMessage[]; hasOlder: boolean; hasNewer: boolean };
/** A person in a room (v1.2): one entry however many sockets (tabs) they have there. */
export type Person = { userId: string; name: string; account?: string; sockets: string[] };
/**
 * `hasMore`: older messages than `history` exist (an addition to protocol v1).
 * v1.2: `count` distinct people, cluster-wide; `people` the first PEOPLE_LISTED
 * of them by userId; `members` (one per socket) those people's sockets, cut at the same number.
 */
export type JoinResult = { room: string; members: User[]; people: Person[]; count: number; history: ChatMessage[]; hasMore: boolean };
/** `members` (v1.2): a page of a room's people, by userId. */
export type MembersPage = { people: Person[]; count: number; hasMore: boolean };
/**
 * `presence` (v1.2): who came and went in a room during one merge window, and
 * how many people are in it now; names only while it holds at most 100 people.
 */
export type PresenceNotice = { room: string; count: number; joined?: Person[]; left?: { userId: string; name: string }[] };
/** `person` (v1.2): someone you have a private conversation with came online or went offline. */
export type PersonNotice = { userId: string; name: string; online: boolean };
/** Someone is typing in a room (`room`), or to the receiver in their private conversation (`with`: the typist's userId). */
export type TypingNotice = ({ room: string } | { with: string }) & { user: User; typing: boolean };

/** Where a message lives, as clients name it (protocol v1.1). */
export type Channel = { room: string } | { with: string } | { broadcast: true };
/** `online` (v1.2): whether that person has any socket connected, cluster-wide. */
/** `user.account` (v1.2): the username, when that person has an account. */
export type Conversation = { user: { userId: string; name: string; account?: string }; last: ChatMessage; unread: number; online: boolean };
export type ReadNotice = Channel & { upTo: string };
export type MentionNotice = { message: ChatMessage };

/** A string that is well-formed UTF-16 (no lone surrogates). */
const wellFormed = () =>
  z.string().refine((s) => s.isWellFormed(), { message: "must be valid Unicode text" });

const KEY_PATTERN = /^[A-Za-z0-9_-]+$/;
const MESSAGE_ID_PATTERN = /^[0-9a-f]{24}$/;
/**
 * One emoji: exactly one RGI emoji (Unicode's recommended-for-general-interchange
 * set: one grapheme cluster, no stray joiner, variation selector or second
 * emoji), with at least one pictograph or regional indicator (so keycaps such
 * as 1️⃣ stay refused). Only characters emoji are made of, which also keeps it
 * a safe MongoDB field name: no ".", no leading "$", no NUL.
 *
 * `\p{RGI_Emoji}` needs the regular expression `v` flag (ES2024): Node 24 has
 * it, so the server always checks it. The page is bundled for ES2022
 * (scripts/build-client.mjs), so the pattern is built at run time, and a
 * browser without the `v` flag checks only the character classes below; the
 * server has the last word.
 */
const EMOJI_CHARS = /^[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Component}\p{Emoji_Modifier}]+$/u;
const EMOJI_CORE = /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u;
const RGI_EMOJI: RegExp | undefined = (() => {
  try {
    return new RegExp("^\\p{RGI_Emoji}$", "v");
  } catch {
    return undefined;
  }
})();
/** Longest emoji, in UTF-16 code units. */
export const EMOJI_MAX = 16;

/** Adds a zod issue when `problem` finds one. */
const checkWith =
  (problem: (s: string) => string | null) =>
  (s: string, ctx: z.RefinementCtx): void => {
    const message = problem(s);
    if (message) ctx.addIssue({ code: "custom", message });
  };

export const nameSchema = wellFormed().trim().superRefine(checkWith(nameProblem));

export const roomSchema = wellFormed().superRefine(checkWith(roomProblem));

export const clientIdSchema = z
  .string()
  .max(LIMITS.clientIdMax)
  .regex(KEY_PATTERN, "must be 1-64 characters of A-Z a-z 0-9 _ -");

/** Socket.IO socket ids and our user ids are both short base64url strings. */
export const idSchema = z.string().min(1).max(64).regex(KEY_PATTERN, "malformed id");

export const messageIdSchema = z.string().regex(MESSAGE_ID_PATTERN, "malformed message id");

/** An attachment id: 24 lowercase hex, like a message id. */
export const attachmentIdSchema = z.string().regex(MESSAGE_ID_PATTERN, "malformed attachment id");

/** A rev has the shape of a message id (24 lowercase hex). */
export const revSchema = z.string().regex(MESSAGE_ID_PATTERN, "malformed rev");

export const emojiSchema = wellFormed().refine(
  (s) => s.length <= EMOJI_MAX && EMOJI_CHARS.test(s) && EMOJI_CORE.test(s) && (RGI_EMOJI?.test(s) ?? true),
  { message: `must be exactly one emoji (at most ${EMOJI_MAX} UTF-16 code units)` },
);

export const tokenSchema = z.string().max(256);

/**
 * The handshake's `auth`. `name` is checked by the v1 rules only for a
 * guest (see guestNameSchema): a socket signed in to an account uses the
 * account's name and ignores it.
 */
export const authSchema = z.object({
  name: z.unknown().optional(),
  token: tokenSchema.optional(),
});
export const guestNameSchema = nameSchema;

/** Schemas for every client → server payload; `textMax` is configurable on the server. */
export function createSchemas(textMax: number = LIMITS.textMax) {
  const text = wellFormed()
    .trim()
    .refine(lengthBetween(1, textMax), { message: `must be 1-${textMax} characters` });
  // With attachments (v1.2) a message may have no text: "" or absent.
  const sentText = wellFormed()
    .trim()
    .refine(lengthBetween(0, textMax), { message: `must be at most ${textMax} characters` })
    .default("");
  const attachments = z
    .array(attachmentIdSchema)
    .min(1)
    .max(LIMITS.attachmentsMax)
    .refine((ids) => new Set(ids).size === ids.length, { message: "must be distinct" })
    .optional();
  /** Text of 1-textMax characters, or none at all with attachments. */
  const textOrAttachments = (m: { text: string; attachments?: string[] | undefined }) =>
    m.text.length > 0 || (m.attachments?.length ?? 0) > 0;
  const needsText = { message: `text must be 1-${textMax} characters (or send attachments)`, path: ["text"] };
  const page = {
    before: messageIdSchema.optional(),
    after: messageIdSchema.optional(),
    /** v1.2: the message itself with the ones either side of it. */
    around: messageIdSchema.optional(),
    /** v1.1: the channel's messages whose rev is greater, in rev order. */
    changedAfter: revSchema.optional(),
    limit: z.number().int().min(1).max(LIMITS.historyMax).default(LIMITS.historyDefault),
  };
  type PageBounds = { before?: string | undefined; after?: string | undefined; around?: string | undefined; changedAfter?: string | undefined };
  const atMostOne = (q: PageBounds) => [q.before, q.after, q.around, q.changedAfter].filter((v) => v !== undefined).length <= 1;
  // v1.1: mentioned userIds, at most 20, duplicates dropped.
  const mentions = z
    .array(idSchema)
    .max(LIMITS.mentionsMax)
    .transform((ids) => [...new Set(ids)])
    .optional();
  const channels = <E extends z.ZodRawShape>(extra: E) => [
    z.strictObject({ room: roomSchema, ...extra }),
    z.strictObject({ with: idSchema, ...extra }),
    z.strictObject({ broadcast: z.literal(true), ...extra }),
  ] as const;
  const q = wellFormed()
    .trim()
    .refine(lengthBetween(1, LIMITS.searchMax), { message: `must be 1-${LIMITS.searchMax} characters` });
  const searchPage = {
    q,
    before: messageIdSchema.optional(),
    limit: z.number().int().min(1).max(LIMITS.historyMax).default(LIMITS.historyDefault),
  };
  const send = { text: sentText, clientId: clientIdSchema.optional(), replyTo: messageIdSchema.optional(), mentions, attachments };
  return {
    room: roomSchema,
    /** v1.2: a page of a room's people, strictly after the userId `after`. */
    members: z.strictObject({
      room: roomSchema,
      after: idSchema.optional(),
      limit: z.number().int().min(1).max(LIMITS.historyMax).default(LIMITS.historyMax),
    }),
    message: z.strictObject({ room: roomSchema, ...send }).refine(textOrAttachments, needsText),
    broadcast: z.strictObject(send).refine(textOrAttachments, needsText),
    privateMessage: z.union([
      z.strictObject({ to: idSchema, ...send }).refine(textOrAttachments, needsText),
      z.strictObject({ toUser: idSchema, ...send }).refine(textOrAttachments, needsText),
    ]),
    history: z
      .union([
        z.strictObject({ room: roomSchema, ...page }),
        z.strictObject({ with: idSchema, ...page }),
        z.strictObject({ broadcast: z.literal(true), ...page }),
      ])
      .refine(atMostOne, { message: "give at most one of before, after, around, changedAfter" }),
    // Exactly one of `room` (the rest of the room hears it) and `toUser` (that person, in your private conversation).
    typing: z.union([z.strictObject({ room: roomSchema, typing: z.boolean() }), z.strictObject({ toUser: idSchema, typing: z.boolean() })]),
    search: z.union([z.strictObject(searchPage), ...channels(searchPage)]),
    read: z.union(channels({ upTo: messageIdSchema })),
    edit: z.strictObject({ id: messageIdSchema, text }),
    delete: z.strictObject({ id: messageIdSchema }),
    react: z.strictObject({ id: messageIdSchema, emoji: emojiSchema, on: z.boolean() }),
  };
}
export type Schemas = ReturnType<typeof createSchemas>;
export type MessageInput = z.infer<Schemas["message"]>;
export type BroadcastInput = z.infer<Schemas["broadcast"]>;
export type PrivateMessageInput = z.infer<Schemas["privateMessage"]>;
export type HistoryInput = z.infer<Schemas["history"]>;
export type TypingInput = z.infer<Schemas["typing"]>;
export type SearchInput = z.infer<Schemas["search"]>;
export type ReadInput = z.infer<Schemas["read"]>;
export type EditInput = z.infer<Schemas["edit"]>;
export type ReactInput = z.infer<Schemas["react"]>;

export interface ClientToServerEvents {
  join: (room: string, ack: AckFn<JoinResult>) => void;
  leave: (room: string, ack: AckFn<{ room: string }>) => void;
  rooms: (ack: AckFn<{ rooms: RoomInfo[] }>) => void;
  members: (query: { room: string; after?: string; limit?: number }, ack: AckFn<MembersPage>) => void;
  message: (
    payload: { room: string; text?: string; clientId?: string; replyTo?: string; mentions?: string[]; attachments?: string[] },
    ack: AckFn<{ message: ChatMessage }>,
  ) => void;
  broadcast: (
    payload: { text?: string; clientId?: string; replyTo?: string; mentions?: string[]; attachments?: string[] },
    ack: AckFn<{ message: ChatMessage }>,
  ) => void;
  "private message": (
    payload: ({ to: string } | { toUser: string }) & {
      text?: string;
      clientId?: string;
      replyTo?: string;
      mentions?: string[];
      attachments?: string[];
    },
    ack: AckFn<{ message: ChatMessage }>,
  ) => void;
  /** With `around` (v1.2) the ack is an AroundPage instead (an event has one signature in this map). */
  history: (
    query: ({ room: string } | { with: string } | { broadcast: true }) & {
      before?: string;
      after?: string;
      changedAfter?: string;
      limit?: number;
    },
    ack: AckFn<Page>,
  ) => void;
  typing: (payload: ({ room: string } | { toUser: string }) & { typing: boolean }, ack?: AckFn<object>) => void;
  /** At most one of `room`, `with`, `broadcast` narrows the search to that channel. */
  search: (
    query: { q: string; before?: string; limit?: number; room?: string; with?: string; broadcast?: true },
    ack: AckFn<Page>,
  ) => void;
  read: (marker: ReadNotice, ack: AckFn<object>) => void;
  conversations: (ack: AckFn<{ conversations: Conversation[] }>) => void;
  edit: (payload: { id: string; text: string }, ack: AckFn<{ message: ChatMessage }>) => void;
  delete: (payload: { id: string }, ack: AckFn<{ message: ChatMessage }>) => void;
  react: (payload: { id: string; emoji: string; on: boolean }, ack: AckFn<{ message: ChatMessage }>) => void;
}

export interface ServerToClientEvents {
  session: (session: Session) => void;
  message: (message: ChatMessage) => void;
  /** v1.2 (changed from v1's whole member list): who came and went in a room, and how many people are in it. */
  presence: (presence: PresenceNotice) => void;
  /** v1.2: someone the receiver has a private conversation with came online or went offline. */
  person: (notice: PersonNotice) => void;
  typing: (notice: TypingNotice) => void;
  mention: (notice: MentionNotice) => void;
  read: (notice: ReadNotice) => void;
  /** v1.1: the whole new state of an edited, deleted or reacted-to message. */
  "message updated": (message: ChatMessage) => void;
}

export interface SocketData {
  userId: string;
  name: string;
  /** v1.2: the username of the account the socket is signed in to, and that sign-in's session id. */
  account?: string;
  sessionId?: string;
}

/** Every event a client may send; anything else is ignored and counted. */
export const CLIENT_EVENTS = [
  "join",
  "leave",
  "rooms",
  "members",
  "message",
  "broadcast",
  "private message",
  "history",
  "typing",
  "search",
  "read",
  "conversations",
  "edit",
  "delete",
  "react",
] as const satisfies readonly (keyof ClientToServerEvents)[];

/** Turns a zod error into one short human-readable line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
