/**
 * What the page knows: one channel per room, one for broadcasts ("Everyone")
 * and one per private conversation, each with its messages kept in id order
 * and deduplicated by id.
 */
import type { Attachment, ChatMessage, ErrorCode, User } from "../../server/protocol.js";
import { isChange, targetKey, type Change, type ChangeEntry, type OutboxEntry } from "./delivery.js";
import { RoomPeople, type PeopleChange } from "./room-people.js";

export type ChannelKind = "room" | "broadcast" | "dm";

/**
 * A line shown in a channel: a stored message, one still being sent, or a local notice.
 * A stored message with this person's changes still in the outbox is shown
 * as it will be (`shownMessage`) and carries `pending`: the view marks it as
 * waiting to be sent, and dims the reactions named there.
 */
export type Line =
  | { type: "message"; message: ChatMessage; pending?: PendingChange; refused?: RefusedChange }
  | { type: "pending"; clientId: string; text: string; attachments?: Attachment[]; failed?: ErrorCode; offline?: boolean }
  | ({ type: "notice" } & Notice);

/** What of a message's shown state is still waiting in the outbox: an edit, the deletion, reactions (by emoji). */
export type PendingChange = { edit: boolean; delete: boolean; reactions: string[] };

/** The last change of this person's to a message that the server refused for good, and why; shown with the message. */
export type RefusedChange = { change: Change; code: ErrorCode };

/** Someone joined or left a room, seen while the page was open. */
export type Notice = { id: string; event: "joined" | "left"; name: string; at: string };

export type Channel = {
  id: string;
  kind: ChannelKind;
  title: string;
  room?: string;
  /** For a private conversation: the other person (their `socketId` is the one they last wrote from, or ""). */
  peer?: User;
  /** For a private conversation: whether the other person has a tab open anywhere, when the page knows. */
  online?: boolean;
  /** For a private conversation: the one tab of theirs (a socket id) it is written to, when one was picked; else the person. */
  tab?: string;
  messages: Map<string, ChatMessage>;
  /** Messages the server refused for good, by clientId, shown until the page reloads. */
  failed: Map<string, { text: string; attachments?: Attachment[]; code: ErrorCode }>;
  /** Changes the server refused for good, by message id, shown until the page reloads or a later change of the message is applied. */
  refused: Map<string, RefusedChange>;
  notices: Notice[];
  /** A room's people: how many, and who (see RoomPeople). */
  people: RoomPeople;
  hasMore: boolean;
  unread: number;
  /** Unread messages that mention this person, counted apart. */
  mentions: number;
  /** The newest message this person has read here (v1.1 read marker), as known to this tab. */
  readUpTo?: string;
  /**
   * Where a catch-up after a reconnect starts: the newest message id and rev up
   * to which this tab holds the channel complete. Live messages move them only
   * while in sync: one that arrives between a reconnect and a finished resync
   * may lie past a gap.
   */
  caughtUp?: { id?: string | undefined; rev?: string | undefined };
  /**
   * The messages held are one contiguous window of the conversation: `hasMore`
   * says older ones lie before it, `atNewest` that it reaches the newest
   * message. A window that does not (the reader paged far back, or jumped to
   * an old message) takes no live message: those wait in `recent` and
   * count in `beyond` until the reader comes back to the newest.
   */
  atNewest: boolean;
  /** The newest live messages received (at most `RECENT_KEPT`), whether held or not. */
  recent: ChatMessage[];
  /** Messages from others that arrived past a window not at the newest. */
  beyond: number;
  /** The first message that was unread when the conversation was opened: the "new since you last read" divider. */
  unreadFrom?: string | undefined;
  /** The first unread message is being looked for in older history. */
  locating?: boolean;
};

export const roomChannelId = (room: string): string => `room:${room}`;
export const dmChannelId = (userId: string): string => `dm:${userId}`;
export const BROADCAST_ID = "broadcast";
/** How many messages a window holds after paging: older or newer pages push out the far end. */
export const WINDOW = 300;
/** Live messages let a window at the newest grow to this (the reader may be reading its top); then its oldest go. */
const HELD_MAX = 600;
/** How many live messages a channel remembers, to close the gap a request to the newest could leave. */
const RECENT_KEPT = 100;

export class Channels {
  private readonly all = new Map<string, Channel>();

  get(id: string): Channel | undefined {
    return this.all.get(id);
  }

  list(): Channel[] {
    return [...this.all.values()];
  }

  open(id: string, init: { kind: ChannelKind; title: string; room?: string; peer?: User }): Channel {
    let channel = this.all.get(id);
    if (!channel) {
      channel = {
        id,
        ...init,
        messages: new Map(),
        failed: new Map(),
        refused: new Map(),
        notices: [],
        people: new RoomPeople(),
        hasMore: false,
        atNewest: true,
        recent: [],
        beyond: 0,
        unread: 0,
        mentions: 0,
      };
      this.all.set(id, channel);
    }
    return channel;
  }

  close(id: string): void {
    this.all.delete(id);
  }

  /**
   * Adds messages to the window; returns how many were new. A window not at
   * the newest takes none newer than what it holds (that would leave a gap):
   * `extend` pages those in. A window at the newest keeps at most `HELD_MAX`;
   * older ones are paged in again on demand.
   */
  add(channel: Channel, messages: readonly ChatMessage[]): number {
    const newest = channel.atNewest ? undefined : lastId(channel);
    let added = 0;
    for (const message of messages) {
      if (newest !== undefined && message.id > newest) continue;
      if (!channel.messages.has(message.id)) {
        channel.messages.set(message.id, message);
        added++;
      }
    }
    if (channel.messages.size > HELD_MAX) Channels.trim(channel, WINDOW, "older");
    return added;
  }

  /**
   * A live message: held when the window is at the newest, remembered in
   * `recent` either way. True when it was not known before.
   */
  arrived(channel: Channel, message: ChatMessage): boolean {
    const known = channel.messages.has(message.id) || channel.recent.some((m) => m.id === message.id);
    if (!known) {
      channel.recent.push(message);
      if (channel.recent.length > RECENT_KEPT) channel.recent.shift();
    }
    if (channel.atNewest) this.add(channel, [message]);
    return !known;
  }

  /** Adds the page of messages newer than the window; `atNewest` when no newer ones follow. */
  extend(channel: Channel, messages: readonly ChatMessage[], atNewest: boolean): void {
    for (const message of messages) if (!channel.messages.has(message.id)) channel.messages.set(message.id, message);
    if (atNewest) this.reachNewest(channel);
  }

  /** Replaces the window with `messages` (a page around a message, or the newest page). */
  replace(channel: Channel, messages: readonly ChatMessage[], hasOlder: boolean, atNewest: boolean): void {
    channel.messages.clear();
    for (const message of messages) channel.messages.set(message.id, message);
    channel.hasMore = hasOlder;
    channel.atNewest = atNewest;
    if (atNewest) this.reachNewest(channel);
  }

  /**
   * The window now reaches the newest message: live messages that arrived
   * while the request was under way (or that the server's answer did not
   * see yet) join it.
   */
  private reachNewest(channel: Channel): void {
    channel.atNewest = true;
    channel.beyond = 0;
    const first = firstId(channel) ?? "";
    for (const message of channel.recent) if (message.id > first && !channel.messages.has(message.id)) channel.messages.set(message.id, message);
  }

  /**
   * Keeps `keep` messages of the window, dropping the `older` or the `newer`
   * end; says so through `hasMore` or `atNewest`. True when some were dropped.
   */
  static trim(channel: Channel, keep: number, drop: "older" | "newer"): boolean {
    if (channel.messages.size <= keep) return false;
    const ids = [...channel.messages.keys()].sort();
    const gone = drop === "older" ? ids.slice(0, ids.length - keep) : ids.slice(keep);
    for (const id of gone) channel.messages.delete(id);
    if (drop === "older") channel.hasMore = true;
    else channel.atNewest = false;
    return true;
  }

  /** The protocol's name for a conversation (history, read, search). */
  static base(channel: Channel): { room: string } | { with: string } | { broadcast: true } {
    return channel.kind === "room" ? { room: channel.room! } : channel.kind === "dm" ? { with: channel.peer!.userId } : { broadcast: true };
  }

  /**
   * Takes a message's new state (edited, deleted, reacted to) if it is newer
   * than what is held; returns true when something changed. Messages not held
   * are left alone: they are fetched with their page when needed.
   */
  update(channel: Channel, message: ChatMessage): boolean {
    const at = channel.recent.findIndex((m) => m.id === message.id);
    if (at >= 0 && channel.recent[at]!.rev < message.rev) channel.recent[at] = message;
    const held = channel.messages.get(message.id);
    if (!held || held.rev >= message.rev) return false;
    channel.messages.set(message.id, message);
    return true;
  }

  /** The greatest rev held in a channel: where catching up on changes starts. */
  static lastRev(channel: Channel): string | undefined {
    let last: string | undefined;
    for (const m of channel.messages.values()) if (last === undefined || m.rev > last) last = m.rev;
    return last;
  }

  /** The channel an incoming message belongs to, seen from `me`. */
  channelFor(message: ChatMessage, me: string): Channel | undefined {
    switch (message.kind) {
      case "room":
      case "system":
        return message.room ? this.get(roomChannelId(message.room)) : undefined;
      case "broadcast":
        return this.get(BROADCAST_ID);
      case "private": {
        const peer = message.from.userId === me ? message.to : message.from;
        if (!peer) return undefined;
        const channel = this.open(dmChannelId(peer.userId), { kind: "dm", title: peer.name, peer });
        // Reply to the socket they last wrote from.
        if (peer.userId !== me && message.from.userId === peer.userId) channel.peer = peer;
        return channel;
      }
    }
  }
}

/**
 * A message as this person will see it once their queued changes are
 * applied: the held message with the edits, deletion and reactions of
 * `changes` (its entries in the outbox, oldest first) on top. Its `rev` is
 * the held one with the entries' ids appended, so anything drawn per rev is
 * drawn again; the server's answer (a newer rev) takes its place.
 */
export function shownMessage(message: ChatMessage, changes: readonly ChangeEntry[], me: string): ChatMessage {
  if (changes.length === 0) return message;
  let shown: ChatMessage = { ...message, rev: [message.rev, ...changes.map((c) => c.clientId)].join("+") };
  for (const change of changes) {
    if (shown.deletedAt !== undefined) break;
    if (change.kind === "edit") {
      shown = { ...shown, text: change.text, editedAt: change.queuedAt };
    } else if (change.kind === "delete") {
      shown = { ...shown, text: "", deletedAt: change.queuedAt, reactions: [] };
    } else {
      shown = { ...shown, reactions: toggled(shown.reactions ?? [], change.emoji, me, change.on) };
    }
  }
  return shown;
}

function toggled(reactions: NonNullable<ChatMessage["reactions"]>, emoji: string, me: string, on: boolean): NonNullable<ChatMessage["reactions"]> {
  const held = reactions.find((r) => r.emoji === emoji);
  if (on === (held?.userIds.includes(me) ?? false)) return reactions;
  if (!held) return [...reactions, { emoji, userIds: [me] }];
  return reactions
    .map((r) => (r !== held ? r : { emoji, userIds: on ? [...r.userIds, me] : r.userIds.filter((u) => u !== me) }))
    .filter((r) => r.userIds.length > 0);
}

/** Which parts of a message's shown state `changes` (its queued entries) account for. */
function pendingOf(changes: readonly ChangeEntry[]): PendingChange {
  return {
    edit: changes.some((c) => c.kind === "edit"),
    delete: changes.some((c) => c.kind === "delete"),
    reactions: changes.flatMap((c) => (c.kind === "react" ? [c.emoji] : [])),
  };
}

/**
 * A channel's lines in display order: stored messages by id (as they will be
 * once this person's queued changes are applied, with the last refused
 * change of theirs) and notices by time, then
 * the messages still queued for this channel and what failed. `outbox` is
 * the whole outbox.
 */
export function linesOf(channel: Channel, outbox: readonly OutboxEntry[], online: boolean, me = ""): Line[] {
  const changes = new Map<string, ChangeEntry[]>();
  for (const e of outbox) if (isChange(e) && channel.messages.has(e.id)) changes.set(e.id, [...(changes.get(e.id) ?? []), e]);
  const stored: Line[] = [...channel.messages.values()]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((message) => {
      const queued = changes.get(message.id);
      const refused = channel.refused.get(message.id);
      return {
        type: "message",
        ...(queued ? { message: shownMessage(message, queued, me), pending: pendingOf(queued) } : { message }),
        ...(refused ? { refused } : {}),
      };
    });
  const notices: Line[] = channel.notices.map((n) => ({ type: "notice", ...n }));
  const merged = [...stored, ...notices].sort((a, b) => timeOf(a).localeCompare(timeOf(b)));
  const delivered = new Set([...channel.messages.values()].map((m) => m.clientId));
  const queued: Line[] = outbox
    .flatMap((e) => (e.kind === "message" && targetKey(e.target) === channel.id && !delivered.has(e.clientId) ? [e] : []))
    .map((e) => ({ type: "pending", clientId: e.clientId, text: e.text, ...(e.attachments ? { attachments: e.attachments } : {}), offline: !online }));
  const failed: Line[] = [...channel.failed].map(([clientId, f]) => ({
    type: "pending",
    clientId,
    text: f.text,
    ...(f.attachments ? { attachments: f.attachments } : {}),
    failed: f.code,
  }));
  return [...merged, ...queued, ...failed];
}

function timeOf(line: Line): string {
  return line.type === "message" ? line.message.createdAt : line.type === "notice" ? line.at : "";
}

/**
 * Where the "new since you last read" divider goes when a conversation with
 * `unread` unread messages (from others, not deleted, the newest ones) is
 * opened: the oldest of them. `older` when the window does not reach back
 * that far: `counted` of them are held, the rest lie before `firstId`.
 */
export function firstUnread(channel: Channel, unread: number, me: string): { id: string } | { counted: number } | undefined {
  let counted = 0;
  let last: string | undefined;
  for (const m of [...channel.messages.values()].sort((a, b) => (a.id < b.id ? 1 : -1))) {
    if (m.from.userId === me || m.deletedAt !== undefined) continue;
    last = m.id;
    if (++counted >= unread) return { id: m.id };
  }
  if (channel.hasMore) return { counted };
  return last === undefined ? undefined : { id: last };
}

/** The oldest message id held in a channel. */
export function firstId(channel: Channel): string | undefined {
  let first: string | undefined;
  for (const id of channel.messages.keys()) if (first === undefined || id < first) first = id;
  return first;
}

/** The newest message id held in a channel. */
export function lastId(channel: Channel): string | undefined {
  let last: string | undefined;
  for (const id of channel.messages.keys()) if (last === undefined || id > last) last = id;
  return last;
}

/**
 * Records that `channel` is complete up to everything it holds now (see
 * `Channel.caughtUp`). It never moves back: a window paged far back still
 * resumes catching up where the conversation was left complete.
 */
export function markCaughtUp(channel: Channel): void {
  const id = lastId(channel);
  const rev = Channels.lastRev(channel);
  const held = channel.caughtUp;
  channel.caughtUp = {
    id: held?.id !== undefined && (id === undefined || held.id > id) ? held.id : id,
    rev: held?.rev !== undefined && (rev === undefined || held.rev > rev) ? held.rev : rev,
  };
}

/** Whether two protocol channel names (`{ room }`, `{ with }`, `{ broadcast }`) are the same conversation. */
export function sameChannel(a: ReturnType<typeof Channels.base>, b: object): boolean {
  return ("room" in a && "room" in b && a.room === b.room) || ("with" in a && "with" in b && a.with === b.with) || ("broadcast" in a && "broadcast" in b);
}

/** Adds "joined" / "left" notices for who came and went in a room (a `presence`'s deltas). */
export function notePeopleChange(channel: Channel, change: PeopleChange): void {
  const at = new Date().toISOString();
  for (const p of change.joined) channel.notices.push({ id: `join-${p.userId}-${at}`, event: "joined", name: p.name, at });
  for (const p of change.left) channel.notices.push({ id: `left-${p.userId}-${at}`, event: "left", name: p.name, at });
  if (channel.notices.length > 200) channel.notices.splice(0, channel.notices.length - 200);
}
